"""OCC appraisal: a user's message becomes a PAD delta for the companion.

Rules 1-5 and their deltas are the seed's (appraisal.py), checked in order, first match wins.
Rule 6 is ours: the seed's rules only fire on their keywords, so plain good or bad news ("I got
a new puppy today!") moved nothing. OCC's "happy-for" / "sorry-for" emotions cover exactly that
case: an event desirable (or not) for someone the companion cares about.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .pad import PAD

GOAL_ACHIEVEMENT = ("succeeded", "finished", "completed", "accomplished", "achieved")
GOAL_FAILURE = ("failed", "couldn't", "didn't work", "gave up", "impossible")
COMPLIMENT = ("you're great", "thank you", "you helped", "amazing", "wonderful")
UNEXPECTED = ("surprise", "unexpected", "suddenly", "out of nowhere", "shocked")
SOCIAL = ("friend", "family", "together", "met someone", "date", "party")

POSITIVE_THRESHOLD = 0.05  # VADER's own convention for "positive"
NEWS_THRESHOLD = 0.25  # rule 6 needs clearer valence than that

# Life events VADER's general lexicon rates neutral but that are news to a companion. Values are
# on VADER's -4..4 scale; the lexicon stays small and literal on purpose (a word here should be
# good or bad news in nearly every sentence that uses it).
LIFE_EVENT_LEXICON = {
    "puppy": 1.8, "kitten": 1.8, "promoted": 2.3, "promotion": 2.0, "engaged": 2.0,
    "married": 1.8, "wedding": 1.6, "graduated": 2.2, "graduation": 1.8, "hired": 2.0,
    "vacation": 1.6, "holiday": 1.4, "newborn": 2.0, "raise": 1.0, "passed": 0.0,
    "fired": -2.3, "laid": -0.5, "divorce": -2.0, "breakup": -2.0, "funeral": -2.4,
    "diagnosed": -1.8, "hospital": -1.4, "grieving": -2.6, "lonely": -2.0, "rejected": -2.0,
}


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(LIFE_EVENT_LEXICON)
    return analyzer


def sentiment(text: str) -> float:
    """Valence of ``text`` in [-1, 1] (VADER's compound score with the life-event lexicon)."""
    if not text.strip():
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])


@dataclass(frozen=True)
class Appraisal:
    delta: PAD
    rule: str  # which rule fired, for the interaction log and debugging
    sentiment: float


def _contains(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def appraise(message: str) -> Appraisal:
    """The PAD delta a user's message causes (seed's calculate_emotion_delta, plus rule 6)."""
    text = message.lower()
    valence = sentiment(message)
    positive = valence > POSITIVE_THRESHOLD
    if _contains(text, GOAL_ACHIEVEMENT):
        if positive:
            return Appraisal(PAD(0.2, 0.1, 0.05), "goal_achievement", valence)
        return Appraisal(PAD(), "goal_achievement_neutral", valence)
    if _contains(text, GOAL_FAILURE):
        return Appraisal(PAD(-0.15, 0.05, -0.1), "goal_failure", valence)
    if _contains(text, COMPLIMENT):
        return Appraisal(PAD(0.3, 0.05, 0.1), "compliment", valence)
    if _contains(text, UNEXPECTED):
        return Appraisal(PAD(0.1 if positive else -0.1, 0.2, 0.0), "unexpected_event", valence)
    if _contains(text, SOCIAL):
        return Appraisal(PAD(0.1, 0.05, 0.02), "social_connection", valence)
    if valence >= NEWS_THRESHOLD:
        return Appraisal(PAD(0.1, 0.05, 0.0), "happy_for", valence)
    if valence <= -NEWS_THRESHOLD:
        return Appraisal(PAD(-0.1, 0.05, -0.02), "sorry_for", valence)
    return Appraisal(PAD(), "none", valence)
