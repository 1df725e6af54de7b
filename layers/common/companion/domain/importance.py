"""Offline importance scoring: the seed's few-shot examples used as a nearest-neighbour regressor.

The seed scores importance with an LLM prompt whose five examples calibrate the scale. Offline
we use the same examples (plus more in the same spirit) as labelled anchors: a message's score is
the similarity-weighted mean of its nearest anchors' scores, so "I got a new puppy today!" lands
near "I just got a new puppy named Max!" (0.75) by meaning, not keywords.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .appraisal import LIFE_EVENT_LEXICON, sentiment

# (text, score): the first five are IMPORTANCE_SCORING_PROMPT's examples, verbatim.
IMPORTANCE_ANCHORS: tuple[tuple[str, float], ...] = (
    ("I just got a new puppy named Max!", 0.75),
    ("What's the weather like?", 0.1),
    ("My dad passed away last month, I'm still grieving", 0.95),
    ("I prefer tea over coffee", 0.4),
    ("I just got promoted to senior engineer at Google!", 0.9),
    ("hi", 0.05),
    ("lol ok", 0.05),
    ("Good morning, how are you?", 0.1),
    ("Can you tell me a joke?", 0.1),
    ("I had pasta for lunch", 0.2),
    ("I'm watching a movie tonight", 0.25),
    ("My favourite band is Radiohead", 0.45),
    ("I'm allergic to peanuts", 0.6),
    ("My sister's name is Emma and she lives in Berlin", 0.65),
    ("I'm starting a new job next Monday", 0.8),
    ("We're getting married in June!", 0.9),
    ("I've been feeling really anxious and lonely lately", 0.85),
    ("I was diagnosed with diabetes last week", 0.9),
    ("My girlfriend broke up with me", 0.85),
    ("I'm moving to Tokyo next month", 0.8),
)

NEIGHBOURS = 3
TEMPERATURE = 0.05  # softmax temperature over cosine similarities: sharp, nearest anchors dominate


def knn_importance(query: np.ndarray, anchor_vectors: np.ndarray, anchor_scores: np.ndarray) -> float:
    """Similarity-weighted score of the ``NEIGHBOURS`` nearest anchors, in [0, 1]."""
    sims = anchor_vectors @ query
    top = np.argsort(-sims)[:NEIGHBOURS]
    weights = np.exp((sims[top] - sims[top].max()) / TEMPERATURE)
    score = float((weights * anchor_scores[top]).sum() / weights.sum())
    return max(0.0, min(1.0, score))


def parse_score(text: str) -> float | None:
    """The first number in an LLM's answer, clamped to [0, 1]; None when there is none."""
    import re

    match = re.search(r"-?\d+(?:\.\d+)?", text or "")
    if not match:
        return None
    return max(0.0, min(1.0, float(match.group())))


# --- what a message is about, read off its words ------------------------------------------------
#
# The seed's prompt asks for "personal significance, emotional impact, future relevance,
# uniqueness". Offline, the categories a companion must keep are read off the words and the facts
# (domain.contradictions): self-disclosure (name, job, home, family, identity), health,
# relationships, plans and strong emotion score high; preferences in the middle; routine and small
# talk low. Each category has a base on the prompt's scale (its examples: a new puppy 0.75, tea over
# coffee 0.4, the weather 0.1, a promotion 0.9, grief 0.95); a message in several categories gets
# a little more for each extra one. ``benchmarks/importance_eval.py`` measures the ranking.

CATEGORY_BASE = {
    "health": 0.8, "emotion": 0.75, "relationship": 0.72, "self_disclosure": 0.72, "life_event": 0.8,
    "plan": 0.68, "preference": 0.45, "routine": 0.22, "small_talk": 0.08,
}
EXTRA_CATEGORY = 0.05  # each further important category
_IMPORTANT = ("health", "emotion", "relationship", "self_disclosure", "life_event", "plan")

_FIRST_PERSON = re.compile(r"\b(i|i'm|im|i've|ive|i'd|i'll|my|mine|me|we|we're|we've|our|us)\b", re.IGNORECASE)
_SELF = re.compile(r"\b(i|i'm|im|i've|ive|i'd|i'll|my|we|we're|we've|our)\b", re.IGNORECASE)
_NAME_INTRO = re.compile(r"\b(?i:i'm|i am|im|my name is|my name's|call me|this is)\s+([A-Z][a-z]+)\b")
_NOT_A_NAME = frozenset("""I Im So Just Not Very Really Still Back Here Home Fine Good Okay Ok Sorry Happy Sad
Tired Done Ready Sure Glad Excited Going Getting Trying Feeling Looking Thinking Working Moving""".split())
_IDENTITY = re.compile(
    r"\b(?:i'm|i am|im|i was|i've been)\s+(?:a\s+|an\s+|the\s+)?(?:(?:single|stay-at-home|first-time|new)\s+)?"
    r"(?:trans|transgender|gay|lesbian|bi|bisexual|queer|non-binary|nonbinary|autistic|deaf|blind|disabled|adopted|"
    r"dyslexic|an only child|only child|oldest|youngest|middle child|twin|dad|mum|mom|mother|father|parent|"
    r"widow|widower|veteran|immigrant|refugee|introvert|extrovert|muslim|christian|jewish|hindu|buddhist|atheist|"
    r"vegan|vegetarian|\d{1,2}|(?:first|second|third|final|last)\s+year)\b"
    r"|\b(?:i|we)\s+(?:grew up|was born|were born|came out|moved here|am originally|'m originally)\b"
    r"|\b(?:i'm|i am|im)\s+originally\b|\bi\s+have\s+(?:adhd|autism|dyslexia|ocd|bipolar)\b"
    r"|\bmy\s+(?:name|birthday|pronouns)\b", re.IGNORECASE)
_HEALTH = re.compile(
    r"\b(?:diagnos\w*|doctor|doctors|gp|hospital|a&e|er|surgery|operation|biopsy|lump|tumou?r|cancer|chemo\w*|"
    r"radiotherapy|allerg\w+|epipen|asthma|diabet\w+|insulin|depress\w*|anxiety|panic attacks?|therap\w+|ptsd|"
    r"adhd|migraines?|insomnia|pregnan\w+|miscarriage|broke my \w+|broken (?:arm|leg|wrist|ankle)|fractur\w+|"
    r"injur\w+|torn?e? (?:a |my )?(?:ligament|muscle)|ligament|concussion|heart (?:condition|attack|problem)|"
    r"stroke|seizures?|epilep\w+|intoleran\w+|coeliac|celiac|fainted|medication|meds|antidepressants?|"
    r"illness|sick|ill|flu|covid|fever|infection|pain|chronic|disability|dementia|alzheimer\w*|rehab|"
    r"eating disorder|anorexi\w+|bulimi\w+|self-harm|suicid\w+|sober|sobriety|relapse\w*|addict\w*)\b",
    re.IGNORECASE)
_PEOPLE = re.compile(
    r"\b(?:mum|mom|mother|dad|father|parents?|sister|brother|siblings?|son|daughter|kids?|children|child|baby|"
    r"twins|wife|husband|girlfriend|boyfriend|partner|fianc\w*|spouse|ex|friend|friends|bestie|best friend|"
    r"grandma|grandpa|grandmother|grandfather|gran|granny|nan|grandparents|aunt|uncle|cousin|niece|nephew|"
    r"in-laws|family|boss|coworker|colleague|roommate|flatmate|neighbou?r|dog|cat|puppy|kitten|pet)s?\b",
    re.IGNORECASE)
_RELATIONSHIP_EVENT = re.compile(
    r"\b(?:married|marry|marrying|wedding|engaged|proposed|divorc\w*|broke up|break up|split up|dumped|"
    r"cheat\w*|dating|date|moved in|moving in|fight|fought|argument|haven't spoken|not speaking|miss (?:her|him|them)|"
    r"passed away|died|funeral|born|expecting|pregnant|birthday|anniversary|turned \d+|in (?:the )?hospital|"
    r"diagnosed|started (?:school|kindergarten|university|college)|driving licen[cs]e|graduat\w+|moving to|"
    r"retired|lost (?:my|our|her|his))\b", re.IGNORECASE)
_PLAN = re.compile(
    r"\b(?:tomorrow|tonight|next (?:week|month|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"spring|summer|autumn|fall|winter|time)|this (?:weekend|friday|saturday|sunday|summer|fall|autumn|winter|"
    r"spring|year)|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|in (?:january|february|march|"
    r"april|may|june|july|august|september|october|november|december)|planning|plan to|plans? (?:to|for)|"
    r"going to|gonna|will be|i'll|we'll|want to|hoping to|hope to|thinking (?:of|about)|considering|"
    r"applying|interview|exams?|deadline|appointment|trip|flight|flying|starting|about to|trying for|"
    r"saving (?:up )?(?:for|to)|signed up|booked|sign(?:ing)? the)\b", re.IGNORECASE)
_EMOTION = re.compile(
    r"\b(?:lonely|alone|isolated|terrified|scared|afraid|frightened|anxious|worried|stressed|overwhelmed|"
    r"panicking|heartbroken|devastated|crushed|gutted|grieving|grief|cried|crying|cry|tears|sobbing|furious|"
    r"angry|livid|humiliated|ashamed|embarrassed|guilty|jealous|hopeless|helpless|worthless|failure|"
    r"depressed|miserable|desperate|broken|hurt|betrayed|proud|grateful|thankful|thrilled|ecstatic|"
    r"overjoyed|screaming|happiest|best day|worst day|dream|can't breathe|can't stop|so happy|so sad|"
    r"in love|love you|miss (?:you|her|him|them)|nobody|no one)\b", re.IGNORECASE)
_SMALL_TALK = re.compile(
    r"^\W*(?:hi|hey|hello|yo|hiya|sup|morning|good (?:morning|night|evening|afternoon)|night|gn|bye|"
    r"see (?:you|ya)(?: later| soon| tomorrow)?|later|cya|ttyl|lol|lmao|haha\w*|hehe|ok(?:ay)?|k|cool|"
    r"nice|great|yeah|yes|yep|no|nope|sure|thanks?|thank you|thx|ty|hmm+|mhm|oh|wow|omg|that's (?:funny|cool|"
    r"nice|great)|cool cool|same|me too|right|true|indeed|what's up|how are you|how's it going|"
    r"how are you doing|are you there|what are you up to)\b", re.IGNORECASE)
_QUESTION_ONLY = re.compile(r"^\s*(what|how|when|where|who|why|can|could|would|will|is|are|do|does|did|tell me|"
                            r"have you|any)\b[^.!]*\??\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ImportanceReading:
    score: float
    categories: tuple[str, ...]


def read_importance(text: str) -> ImportanceReading:
    """The categories a message belongs to and the score they give (see CATEGORY_BASE)."""
    from .contradictions import facts_of  # the fact families read jobs, homes, partners, ages

    words = re.findall(r"[a-z0-9']+", text.lower())
    if not words:
        return ImportanceReading(0.05, ("small_talk",))
    self_talk = bool(_SELF.search(text))
    categories: dict[str, float] = {}
    facts = [f for f in facts_of(text) if f.holder == "self" and f.state != "past"]
    named = _NAME_INTRO.search(text)
    if (named and named[1] not in _NOT_A_NAME) or _IDENTITY.search(text) or any(
            f.family in ("place", "job") or (f.family == "number" and f.slot in ("age", "count:kid", "count:child",
                                                                                   "count:sibling", "count:son",
                                                                                   "count:daughter"))
            for f in facts):
        categories["self_disclosure"] = CATEGORY_BASE["self_disclosure"]
    if _HEALTH.search(text) and (self_talk or _PEOPLE.search(text)):
        categories["health"] = CATEGORY_BASE["health"]
    people = _PEOPLE.search(text)
    if people and _FIRST_PERSON.search(text) and (_RELATIONSHIP_EVENT.search(text) or any(
            f.family == "relationship" for f in facts) or re.search(r"\bmy\s+\w*\s*" + re.escape(people[0]), text, re.I)):
        categories["relationship"] = CATEGORY_BASE["relationship"]
    elif any(f.family == "relationship" for f in facts):
        categories["relationship"] = CATEGORY_BASE["relationship"]
    if any(w in LIFE_EVENT_LEXICON and abs(LIFE_EVENT_LEXICON[w]) >= 1.6 for w in words) and self_talk:
        categories["life_event"] = CATEGORY_BASE["life_event"]
    if _PLAN.search(text) and self_talk and not _QUESTION_ONLY.match(text):
        categories["plan"] = CATEGORY_BASE["plan"]
    valence = sentiment(text)
    liking = any(f.family == "preference" for f in facts)  # "I love spicy food" is a taste, not a feeling
    if _EMOTION.search(text) or (abs(valence) >= 0.6 and not liking and (_FIRST_PERSON.search(text) or "!!" in text)):
        # stronger feelings weigh more: VADER's |compound| from 0 to 1 adds up to 0.15
        categories["emotion"] = CATEGORY_BASE["emotion"] - 0.05 + 0.15 * abs(valence)
    if not categories:
        if any(f.family in ("preference", "habit") for f in facts) or re.search(
                r"\bfavou?rite\b|\bprefer\b|\bmy thing\b", text, re.I):
            categories["preference"] = CATEGORY_BASE["preference"]
        elif (len(words) <= 6 and _SMALL_TALK.match(text)) or (_QUESTION_ONLY.match(text) and not self_talk) \
                or (len(words) <= 3 and not self_talk):
            categories["small_talk"] = CATEGORY_BASE["small_talk"]
        else:
            categories["routine"] = CATEGORY_BASE["routine"] + (0.05 if self_talk else 0.0)
    ranked = sorted(categories.values(), reverse=True)
    extra = sum(1 for name in categories if name in _IMPORTANT) - 1
    score = ranked[0] + EXTRA_CATEGORY * max(0, extra)
    return ImportanceReading(round(max(0.05, min(0.95, score)), 4), tuple(sorted(categories)))


def heuristic_importance(text: str) -> float:
    """The score a turn saves its memory with (no provider call before the reply), and the last
    resort when the scoring model and the embedder are both unreachable: the categories the
    words put the message in (``read_importance``)."""
    return read_importance(text).score
