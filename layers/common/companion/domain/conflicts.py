"""Contradictions between memories: the seed's conflict types, a heuristic judge for the common
shapes, the fast model's verdict parsed, and how each verdict is resolved. Pure: no I/O.

A new memory is compared with the user's current memories that are similar to it (see
``CANDIDATE_SIMILARITY``). A confident contradiction is resolved by temporal precedence (the
newer fact wins; the older one gets a validity end and stays as history); an uncertain one is
put to the user, whose answer resolves it (``user_clarification``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .embedding_models import for_model

CONFLICT_TYPES = ("factual_contradiction", "timeline_inconsistency", "preference_conflict")
# Verdicts at or above this are resolved by temporal precedence; below it the user is asked.
AUTO_RESOLVE_CONFIDENCE = 0.7
# Below this a "conflict" is noise: not recorded.
MIN_CONFIDENCE = 0.4

# Cosine similarity above which an existing memory is checked against a new one, per embedder.
# The seed's 0.8 was set for its embedder; on all-MiniLM-L6-v2 a moved city scores 0.39-0.49 and
# a like -> dislike flip 0.67-0.76 (benchmarks/conflict_eval.py measures it on labelled pairs):
# at 0.8 only 39% of contradictions would even be checked. MiniLM's value sits just under the
# lowest-scoring contradiction of the dev pairs (0.39, a moved city), so every one is judged;
# Gemini keeps the seed's figure until it is measured with a key (see README).
CANDIDATE_SIMILARITY = {"all-minilm-l6-v2": 0.35, "gemini-embedding-001": 0.8, "hashing": 0.3}
DEFAULT_CANDIDATE_SIMILARITY = 0.5


def candidate_similarity(model_id: str) -> float:
    return for_model(CANDIDATE_SIMILARITY, model_id, DEFAULT_CANDIDATE_SIMILARITY)


@dataclass(frozen=True)
class Verdict:
    has_conflict: bool
    conflict_type: str | None = None
    description: str = ""
    confidence: float = 0.0
    method: str = "heuristic"  # "fast_model" | "heuristic"

    @property
    def resolve_automatically(self) -> bool:
        return self.has_conflict and self.confidence >= AUTO_RESOLVE_CONFIDENCE


NO_CONFLICT = Verdict(False)

# --- the heuristic judge ----------------------------------------------------------------------

_STOP = set("""a an the i i'm im me my mine we our you your is am are was were be been being to of in on at
for with and or but so that this these those it its it's there here do does did have has had just really
very too also now anymore any more no longer not never don't dont doesn't didn't can't cant cannot won't
isn't aren't wasn't weren't haven't hasn't again still actually new old as by from about up out if then
than he she they them his her their us will would could should can got get""".split())
_POSITIVE = re.compile(r"\b(love|loves|loved|like|likes|enjoy|enjoys|adore|adores|prefer|prefers|fan of|"
                       r"favou?rite|into)\b")
_NEGATIVE = re.compile(r"\b(hate|hates|hated|dislike|dislikes|detest|detests|can'?t stand|cannot stand|"
                       r"(?:do|does|did)(?: not|n'?t) (?:like|enjoy|love)|not a fan|tired of|sick of|"
                       r"gave up|quit|stopped)\b")
_NEGATION = re.compile(r"\b(not|never|no longer|anymore|any more|n't|nt)\b|n't\b")
_PLACE = re.compile(r"\b(?:live|lives|living|lived|moved|moving|move|relocated|based|settled|staying|stay)\s+"
                    r"(?:in|to|at)\s+((?:[A-Z][\w'-]+)(?:\s+[A-Z][\w'-]+)*)")
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_NUMBER = re.compile(r"\b(\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")\b", re.I)
_TIME_WORDS = {"years", "year", "old", "age", "born", "since", "ago", "months", "month", "days", "weeks"}
_WORD = re.compile(r"[a-z][a-z'-]*")


_FEELING_VERBS = re.compile(_POSITIVE.pattern.replace(r"favou?rite|", ""))


def _tokens(text: str) -> list[str]:
    """Content words in order: no stop words, numbers or feeling verbs (those are compared apart)."""
    text = _NUMBER.sub(" ", text.lower())
    text = _FEELING_VERBS.sub(" ", _NEGATIVE.sub(" ", text))
    return [w.strip("'-") for w in _WORD.findall(text) if w not in _STOP and len(w.strip("'-")) > 1]


def _content_words(text: str) -> set[str]:
    return set(_tokens(text))


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))


def _polarity(text: str) -> int:
    lowered = text.lower()
    if _NEGATIVE.search(lowered):
        return -1
    if _POSITIVE.search(lowered):
        return -1 if _NEGATION.search(lowered) else 1
    return 0


def _numbers(text: str) -> list[float]:
    out = []
    for token in _NUMBER.findall(text):
        token = token.lower()
        out.append(float(_NUMBER_WORDS[token]) if token in _NUMBER_WORDS else float(token))
    return out


def heuristic_verdict(old: str, new: str) -> Verdict:
    """Judge the common shapes of contradiction without a model: like -> dislike, a changed
    place, a changed number, a negated statement, one changed detail in the same sentence."""
    old_tokens, new_tokens = _tokens(old), _tokens(new)
    old_words, new_words = set(old_tokens), set(new_tokens)
    shared = old_words & new_words
    overlap = _jaccard(old_words, new_words)

    old_place, new_place = _PLACE.search(old), _PLACE.search(new)
    if old_place and new_place and old_place[1].lower() != new_place[1].lower():
        return Verdict(True, "factual_contradiction",
                       f"Where they live changed: {old_place[1]} -> {new_place[1]}.", 0.85)

    old_polarity, new_polarity = _polarity(old), _polarity(new)
    if shared and old_polarity and new_polarity and old_polarity != new_polarity:
        liked = ", ".join(sorted(shared))
        return Verdict(True, "preference_conflict",
                       f"Their feeling about {liked} flipped ({'likes' if old_polarity > 0 else 'dislikes'} -> "
                       f"{'likes' if new_polarity > 0 else 'dislikes'}).", 0.85)

    old_numbers, new_numbers = _numbers(old), _numbers(new)
    if old_numbers and new_numbers and set(old_numbers) != set(new_numbers) and overlap >= 0.5 and shared:
        timeline = bool((old_words | new_words) & _TIME_WORDS)
        # A changed count or age is often an update ("two cats" -> "three cats") but as often two
        # different things ("room 5" / "room 6"): ask rather than decide.
        return Verdict(True, "timeline_inconsistency" if timeline else "factual_contradiction",
                       f"A number changed ({old_numbers[0]:g} -> {new_numbers[0]:g}) about {', '.join(sorted(shared))}.",
                       0.6)

    old_negated, new_negated = bool(_NEGATION.search(old.lower())), bool(_NEGATION.search(new.lower()))
    if old_negated != new_negated and overlap >= 0.5 and len(shared) >= 1:
        return Verdict(True, "factual_contradiction",
                       f"One says the opposite of the other about {', '.join(sorted(shared))}.", 0.75)

    # The same sentence with its last detail swapped ("a dog named Max" / "a dog named Rex"): maybe
    # a change, maybe two different things. Not sure enough to decide: ask. (A swapped subject, as
    # in "my sister / my brother lives in Porto", is two facts, not a conflict.)
    if (len(old_tokens) == len(new_tokens) >= 3 and old_tokens[:-1] == new_tokens[:-1]
            and old_tokens[-1] != new_tokens[-1]):
        return Verdict(True, "factual_contradiction",
                       f"A detail differs ({old_tokens[-1]} / {new_tokens[-1]}).", 0.55)
    return NO_CONFLICT


# --- the fast model's verdict -----------------------------------------------------------------

_JSON = re.compile(r"\{.*\}", re.S)


def parse_model_verdict(answer: str) -> Verdict | None:
    """The fast model's JSON verdict, or None when it is not one (the caller falls back)."""
    match = _JSON.search(answer or "")
    if not match:
        return None
    try:
        data = json.loads(match[0])
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("has_conflict"), bool):
        return None
    if not data["has_conflict"]:
        return Verdict(False, method="fast_model")
    kind = data.get("conflict_type")
    if kind not in CONFLICT_TYPES:
        return None
    try:
        confidence = min(1.0, max(0.0, float(data.get("confidence", 0.0))))
    except (TypeError, ValueError):
        return None
    return Verdict(True, kind, str(data.get("description") or "")[:500], confidence, "fast_model")


# --- the user's answer to a clarifying question ----------------------------------------------

_KEEP_BOTH = re.compile(r"\b(both|two of them|each|two different|also true|as well)\b")
_FAVOURS_NEW = re.compile(r"\b(now|anymore|any more|no longer|moved|changed|new|latest|second|recently|"
                          r"these days|nowadays|not anymore|used to)\b")
_FAVOURS_OLD = re.compile(r"\b(still|first|earlier|original|old one|mistake|typo|was wrong|joking|"
                          r"didn'?t mean|never mind)\b")


def clarification_answer(old: str, new: str, answer: str) -> str:
    """Which statement the user's answer keeps: "new", "old", "both" or "unclear"."""
    text = answer.lower()
    if _KEEP_BOTH.search(text):
        return "both"
    tokens = _tokens(answer)
    words = set(tokens)
    only_old, only_new = _content_words(old) - _content_words(new), _content_words(new) - _content_words(old)
    score = len(words & only_new) - len(words & only_old)
    named = [t for t in tokens if t in only_old or t in only_new]
    if named:  # an answer leads with its choice ("Rex, Max passed away")
        score += 1 if named[0] in only_new else -1
    score += len(_FAVOURS_NEW.findall(text)) - len(_FAVOURS_OLD.findall(text))
    if score > 0:
        return "new"
    if score < 0:
        return "old"
    return "unclear"


def clarifying_question(old: str, new: str) -> str:
    return (f'By the way, I want to get this right: earlier you told me "{old}", and now "{new}". '
            "Which is true now, or are both?")
