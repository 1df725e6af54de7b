"""Psychological needs: their defaults, decay and satisfaction (levels rise as a need goes unmet)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Hourly decay rates from the seed's need-decay table (urgent at 0.8 after ~33 h for social, ...).
DEFAULT_DECAY_RATES = {
    "social": 0.03,
    "intellectual": 0.02,
    "creative": 0.015,
    "rest": 0.04,
    "validation": 0.025,
}
NEED_TYPES = tuple(DEFAULT_DECAY_RATES)
INITIAL_LEVEL = 0.5
TRIGGER_THRESHOLD = 0.8
SATISFACTION_RATE = 0.1


@dataclass(frozen=True)
class Need:
    need_type: str
    current_level: float = INITIAL_LEVEL
    baseline_level: float = INITIAL_LEVEL
    decay_rate: float = 0.02
    satisfaction_rate: float = SATISFACTION_RATE
    trigger_threshold: float = TRIGGER_THRESHOLD
    proactive_weight: float = 1.0

    @property
    def is_urgent(self) -> bool:
        return self.current_level > self.trigger_threshold


def initial_needs() -> list[Need]:
    return [Need(need_type=t, decay_rate=r) for t, r in DEFAULT_DECAY_RATES.items()]


def hours_to_threshold(need: Need, threshold: float = TRIGGER_THRESHOLD) -> float:
    """Hours left alone before ``need`` crosses ``threshold`` (0 when already past it)."""
    return max(0.0, threshold - need.current_level) / need.decay_rate


def decayed_level(level: float, decay_rate: float, hours_elapsed: float) -> float:
    """The seed's decay: current_level = MIN(1.0, current_level + hours_elapsed * decay_rate)."""
    return min(1.0, level + max(0.0, hours_elapsed) * decay_rate)


def satisfied_level(level: float, satisfaction_rate: float) -> float:
    return max(0.0, level - satisfaction_rate)


# What an interaction is about decides which needs it meets (levels fall by satisfaction_rate):
#   social        any conversation at all (someone came to talk);
#   intellectual  a question, a long thoughtful message (>= 25 words) or talk of ideas and learning;
#   creative      talk of making things: writing, stories, music, drawing, imagining, designing;
#   validation    praise or thanks for the companion (the seed's compliment phrases, and more);
#   rest          a calm, unhurried exchange: late-night chat (22:00-05:59 in the user's time)
#                 or talk of resting, sleeping, relaxing.
INTELLECTUAL_WORDS = ("idea", "think", "thought", "learn", "book", "science", "philosophy", "history",
                      "math", "theory", "curious", "wonder", "explain", "understand", "question")
CREATIVE_WORDS = ("write", "writing", "story", "stories", "poem", "novel", "draw", "paint", "sketch",
                  "music", "song", "compose", "imagine", "design", "create", "creative", "art", "craft")
VALIDATION_WORDS = ("thank you", "thanks", "you're great", "you are great", "you helped", "amazing",
                    "wonderful", "love talking", "you're the best", "proud of you", "well said",
                    "good point", "you're funny", "you're right")
REST_WORDS = ("sleep", "tired", "rest", "relax", "chill", "calm", "cozy", "nap", "unwind", "quiet")
LATE_NIGHT_HOURS = frozenset({22, 23, 0, 1, 2, 3, 4, 5})


@lru_cache(maxsize=None)
def _pattern(words: tuple[str, ...]) -> re.Pattern:
    # Whole words (with common inflections): "art" must not match "party", "rest" not "restaurant".
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"\b(?:{alternatives})(?:s|es|d|ed|ing)?\b")


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    return _pattern(words).search(text) is not None


def needs_met_by_message(message: str, hour: int | None = None) -> set[str]:
    """Which needs one interaction satisfies, by what it is about (see the mapping above);
    ``hour`` is the local hour the user wrote at."""
    met = {"social"}
    text = message.strip().lower()
    if "?" in text or len(text.split()) >= 25 or _mentions(text, INTELLECTUAL_WORDS):
        met.add("intellectual")
    if _mentions(text, CREATIVE_WORDS):
        met.add("creative")
    if _mentions(text, VALIDATION_WORDS):
        met.add("validation")
    if (hour is not None and hour in LATE_NIGHT_HOURS) or _mentions(text, REST_WORDS):
        met.add("rest")
    return met


def urgent_order(needs: list[Need]) -> list[str]:
    """Urgent needs (above their trigger threshold), most urgent first."""
    return [n.need_type for n in sorted(needs, key=lambda n: -n.current_level) if n.is_urgent]
