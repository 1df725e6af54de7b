"""Contradictions between memories: the seed's conflict types, the verdict (the heuristic judge that
reads it off the statements offline is ``domain.contradictions``), the fast model's verdict parsed,
and how each verdict is resolved. Pure: no I/O.

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


def candidate_similarity(model_id: str, configured: float | None = None) -> float:
    """The deployment's measured value (CONFLICT_CANDIDATE_SIMILARITY, from `make calibrate`), or
    the built-in one for this embedder."""
    return configured if configured else for_model(CANDIDATE_SIMILARITY, model_id, DEFAULT_CANDIDATE_SIMILARITY)


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

# --- words of a statement (the heuristic judge itself is domain/contradictions.py) -------------

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
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_NUMBER = re.compile(r"\b(\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")\b", re.I)
_WORD = re.compile(r"[a-z][a-z'-]*")
_FEELING_VERBS = re.compile(_POSITIVE.pattern.replace(r"favou?rite|", ""))


def content_tokens(text: str) -> list[str]:
    """Content words in order: no stop words, numbers or feeling verbs (those are compared apart)."""
    text = _NUMBER.sub(" ", text.lower())
    text = _FEELING_VERBS.sub(" ", _NEGATIVE.sub(" ", text))
    return [w.strip("'-") for w in _WORD.findall(text) if w not in _STOP and len(w.strip("'-")) > 1]


def _content_words(text: str) -> set[str]:
    return set(content_tokens(text))


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
    tokens = content_tokens(answer)
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
