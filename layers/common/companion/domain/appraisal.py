"""OCC appraisal: a user's message becomes a PAD delta for the companion.

Rules 1-5 and their deltas are the seed's (appraisal.py), checked in order, first match wins.
Rule 6 is ours: the seed's rules only fire on their keywords, so plain good or bad news ("I got
a new puppy today!") moved nothing. OCC's "happy-for" / "sorry-for" emotions cover exactly that
case: an event desirable (or not) for someone the companion cares about. Two more choices of ours:
rules 3 and 5 (compliment, social connection) fire only when the message is not clearly bad news,
since "my best friend died" is not a pleasant social event nor "thank you for listening, I lost my
job" a compliment to be pleased about; and a message about the user's fear ("I'm scared
about the surgery") is OCC "fear" for them and "concern" for the companion. Loss and grief words
cap the valence (see LOSS) where VADER's lexicon gets them wrong.

Empathy before mood: every appraisal also says what the event means *to the user* (``UserEvent``:
their OCC emotion, its valence and intensity). The prompt gives it to the reply model beside the
companion's own mood, and the reply must never contradict it.

Intensity calibration (rules 6 and fear; the seed's rules 1-5 keep their numbers): with VADER's
compound score v and s = (|v| - 0.25) / 0.75 in [0, 1] (0 at the news threshold, 1 at the
extreme), happy-for moves PAD by (0.1 + 0.2 s, 0.05 + 0.1 s, 0.05 s) and sorry-for by
(-(0.1 + 0.3 s), 0.05 + 0.1 s, -(0.02 + 0.13 s)). Mild news keeps the skeleton's small delta;
the strongest news moves pleasure as much as the seed's strongest rules (a compliment +0.3, a
security threat -0.3), a little more for grief (-0.4), which is enough to leave a cheerful octant
in one message.
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
# Loss and grief: VADER scores "my best friend died" positive (best, friend) and "I can't stop
# crying" positive (negation flips crying). A message with one of these is bad news whatever the
# lexicon says: its valence is capped at LOSS_VALENCE before the rules run.
LOSS = ("died", "passed away", "funeral", "was killed", "got killed", "death of", "put down",
        "stop crying", "heartbroken", "devastated", "miscarriage", "lost my")
LOSS_VALENCE = -0.6
FEAR = ("scared", "afraid", "terrified", "worried", "anxious", "nervous", "panic", "frightened")

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
    "died": -2.8, "dies": -2.6, "dying": -2.6, "cancer": -2.4, "surgery": -1.2, "accident": -1.8,
    "miscarriage": -2.8, "crying": -2.0, "sobbing": -2.3, "evicted": -2.2, "homeless": -2.0,
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
class UserEvent:
    """What the user's message means to *them*, as OCC names it."""

    feeling: str  # distress, joy, pride, disappointment, fear, gratitude, surprise, neutral
    valence: int  # -1 bad news for them, 0 neither, +1 good news
    intensity: float  # |VADER compound| in [0, 1]
    stance: str  # the companion's OCC reaction: sorry-for, happy-for, gratification, concern, attentive

    @property
    def is_bad_news(self) -> bool:
        return self.valence < 0

    @property
    def is_good_news(self) -> bool:
        return self.valence > 0

    def describe(self) -> str:
        strength = "strongly" if self.intensity >= 0.6 else "clearly" if self.intensity >= 0.25 else "mildly"
        if self.valence == 0:
            return "nothing emotionally charged; be attentive and natural"
        news = "bad news" if self.valence < 0 else "good news"
        return (f"{news} for them; they feel {strength} {self.feeling} (intensity {self.intensity:.2f}); "
                f"your reaction is {self.stance}")


NEUTRAL_EVENT = UserEvent("neutral", 0, 0.0, "attentive")


@dataclass(frozen=True)
class Appraisal:
    delta: PAD
    rule: str  # which rule fired, for the interaction log and debugging
    sentiment: float
    event: UserEvent = NEUTRAL_EVENT


def _contains(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def intensity_scale(valence: float) -> float:
    """0 at the news threshold (|v| = 0.25), 1 at VADER's extreme (|v| = 1)."""
    return min(1.0, max(0.0, (abs(valence) - NEWS_THRESHOLD) / (1.0 - NEWS_THRESHOLD)))


def happy_for_delta(valence: float) -> PAD:
    s = intensity_scale(valence)
    return PAD(0.1 + 0.2 * s, 0.05 + 0.1 * s, 0.05 * s)


def sorry_for_delta(valence: float) -> PAD:
    s = intensity_scale(valence)
    return PAD(-(0.1 + 0.3 * s), 0.05 + 0.1 * s, -(0.02 + 0.13 * s))


def _event(feeling: str, valence: float, stance: str, sign: int | None = None) -> UserEvent:
    if sign is None:
        sign = 1 if valence >= NEWS_THRESHOLD else -1 if valence <= -NEWS_THRESHOLD else 0
    return UserEvent(feeling, sign, round(abs(valence), 4), stance)


def appraise(message: str) -> Appraisal:
    """The PAD delta a user's message causes (seed's calculate_emotion_delta, plus our rules),
    and what the event means to the user."""
    text = message.lower()
    valence = sentiment(message)
    if _contains(text, LOSS):
        valence = min(valence, LOSS_VALENCE)
    positive = valence > POSITIVE_THRESHOLD
    bad_news = valence <= -NEWS_THRESHOLD
    if _contains(text, GOAL_ACHIEVEMENT):
        if positive:
            return Appraisal(PAD(0.2, 0.1, 0.05), "goal_achievement", valence,
                             _event("pride", valence, "happy-for", +1))
        return Appraisal(PAD(), "goal_achievement_neutral", valence, _event("relief", valence, "attentive"))
    if _contains(text, GOAL_FAILURE):
        return Appraisal(PAD(-0.15, 0.05, -0.1), "goal_failure", valence,
                         _event("disappointment", valence, "sorry-for", -1))
    if _contains(text, COMPLIMENT) and not bad_news:
        return Appraisal(PAD(0.3, 0.05, 0.1), "compliment", valence,
                         _event("gratitude", valence, "gratification", +1))
    if _contains(text, UNEXPECTED):
        return Appraisal(PAD(0.1 if positive else -0.1, 0.2, 0.0), "unexpected_event", valence,
                         _event("surprise" if positive else "shock", valence,
                                "happy-for" if positive else "sorry-for", 1 if positive else -1))
    if _contains(text, FEAR) and valence < POSITIVE_THRESHOLD:
        s = intensity_scale(valence)
        return Appraisal(PAD(-(0.05 + 0.15 * s), 0.1 + 0.1 * s, -(0.05 + 0.1 * s)), "fear", valence,
                         _event("fear", valence, "concern", -1))
    if _contains(text, SOCIAL) and not bad_news:
        return Appraisal(PAD(0.1, 0.05, 0.02), "social_connection", valence,
                         _event("joy", valence, "happy-for", +1 if positive else 0))
    if valence >= NEWS_THRESHOLD:
        return Appraisal(happy_for_delta(valence), "happy_for", valence, _event("joy", valence, "happy-for"))
    if bad_news:
        return Appraisal(sorry_for_delta(valence), "sorry_for", valence, _event("distress", valence, "sorry-for"))
    return Appraisal(PAD(), "none", valence)
