"""Psychological needs: their defaults, decay and satisfaction (levels rise as a need goes unmet)."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Mapping

from .pad import PAD, clamp

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
INFLUENCE_ON_MOOD = 0.1  # the seed's needs.influence_on_mood default: how much a need moves the mood


@dataclass(frozen=True)
class Need:
    need_type: str
    current_level: float = INITIAL_LEVEL
    baseline_level: float = INITIAL_LEVEL
    decay_rate: float = 0.02
    satisfaction_rate: float = SATISFACTION_RATE
    trigger_threshold: float = TRIGGER_THRESHOLD
    proactive_weight: float = 1.0
    influence_on_mood: float = INFLUENCE_ON_MOOD

    @property
    def is_urgent(self) -> bool:
        return self.current_level > self.trigger_threshold

    @property
    def urgency(self) -> float:
        """How far past its trigger threshold, 0 (not urgent) to 1 (at the top): the seed's
        need-urgency formula, (level - threshold) / (1 - threshold)."""
        if not self.is_urgent:
            return 0.0
        room = 1.0 - self.trigger_threshold
        return 1.0 if room <= 0 else min(1.0, (self.current_level - self.trigger_threshold) / room)


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


# --- needs move the mood ---------------------------------------------------------------------------
#
# An urgent need weighs on the companion's mood (the seed's needs.influence_on_mood, "how much this
# need affects PAD state"). Its *pull* is a PAD offset to the temperament the mood relaxes toward:
#
#     pull = clamp( sum over needs of urgency(n) * influence_on_mood(n) * NEED_MOOD_DIRECTIONS[n],
#                   -MAX_NEED_PULL, +MAX_NEED_PULL )  on each axis
#
# urgency is 0 below the trigger threshold, so a companion whose needs are met is untouched. With the
# seed's influence (0.1) a lonely companion (social need at the top) is 0.1 lower in pleasure; left
# alone for days, every need at the top, 0.25 lower (the bound; the sum would be 0.28). The mood
# drifts there at the speed of relaxation (pad.relax_toward: half-life 2-6 h), read lazily like the
# relaxation itself, so the hourly growth statement need not touch anyone's mood rows. A conversation
# that meets a need gives back at once what its lack had taken: the turn adds the *relief*,
# pull(after) - pull(before), to the mood on top of the appraisal.
NEED_MOOD_DIRECTIONS = {
    "social": PAD(-1.0, -0.3, -0.3),  # lonely: low, flat, a little smaller
    "validation": PAD(-0.6, 0.0, -1.0),  # unappreciated: unsure of itself
    "intellectual": PAD(-0.5, -0.6, 0.0),  # under-stimulated: bored, listless
    "creative": PAD(-0.4, 0.5, 0.0),  # with nothing to make: restless
    "rest": PAD(-0.3, -1.0, -0.2),  # tired
}
MAX_NEED_PULL = 0.25  # on each PAD axis, whatever the needs and their influence


def need_mood_pull(needs: Iterable[Need]) -> PAD:
    """The PAD offset the urgent ``needs`` put on the mood's resting point (bounded, see above)."""
    p = a = d = 0.0
    for n in needs:
        weight = n.urgency * n.influence_on_mood
        if weight <= 0:
            continue
        direction = NEED_MOOD_DIRECTIONS.get(n.need_type, PAD())
        p, a, d = p + weight * direction.pleasure, a + weight * direction.arousal, d + weight * direction.dominance
    return PAD(*(clamp(v, -MAX_NEED_PULL, MAX_NEED_PULL) for v in (p, a, d)))


def satisfied(needs: Iterable[Need], met: Iterable[str]) -> list[Need]:
    """``needs`` after an interaction that met ``met``: each lowered by its satisfaction rate (the
    same rule as NeedsStore.satisfy_needs, which writes it)."""
    met = set(met)
    return [replace(n, current_level=max(0.0, n.current_level - n.satisfaction_rate)) if n.need_type in met else n
            for n in needs]


def need_relief(needs: Iterable[Need], met: Iterable[str]) -> PAD:
    """How much meeting ``met`` lifts the mood at once: the pull it takes away (never negative
    in pleasure: meeting a need cannot make the companion sadder)."""
    needs = list(needs)
    before, after = need_mood_pull(needs), need_mood_pull(satisfied(needs, met))
    return PAD(after.pleasure - before.pleasure, after.arousal - before.arousal, after.dominance - before.dominance)


# --- need patterns set the thresholds ----------------------------------------------------------------
#
# The nightly reflection counts how often the week's conversations met each need
# (needs.satisfaction_pattern, "satisfied_7d", over "window_days": the week, or the companion's
# age when it is younger) and moves each need's trigger threshold toward
#
#     target = THRESHOLD_HIGH - (THRESHOLD_HIGH - THRESHOLD_LOW) * min(1, met per day / OFTEN_PER_DAY)
#
# by at most THRESHOLD_STEP a night, within THRESHOLD_BOUNDS (the seed's PsychologicalNeed allows
# 0.5-0.95). A need this person meets often (3+ times a day: every chat meets the social need) is
# missed sooner when it goes unmet (0.7: its urgency, its pull on the mood and its weight in the
# proactive score start earlier); a need they never meet is one the companion gets used to (0.9),
# so it does not sit urgent all week, souring the mood and asking for outreach nobody answers.
# One a day and a half keeps the seed's 0.8.
THRESHOLD_LOW, THRESHOLD_HIGH = 0.7, 0.9
OFTEN_PER_DAY = 3.0
THRESHOLD_STEP = 0.05
THRESHOLD_BOUNDS = (0.5, 0.95)


def adapted_threshold(current: float, satisfied_7d: int, window_days: float = 7.0) -> float:
    """The trigger threshold after one night of adapting to the pattern of the last
    ``window_days`` (at most a week, at least one day)."""
    per_day = max(0, satisfied_7d) / min(7.0, max(1.0, window_days))
    target = THRESHOLD_HIGH - (THRESHOLD_HIGH - THRESHOLD_LOW) * min(1.0, per_day / OFTEN_PER_DAY)
    step = clamp(target - current, -THRESHOLD_STEP, THRESHOLD_STEP)
    return round(clamp(current + step, *THRESHOLD_BOUNDS), 4)


def adapted_thresholds(needs: Iterable[Need], patterns: Mapping[str, Mapping]) -> dict[str, float]:
    """Each need's new trigger threshold from the week's satisfaction ``patterns`` (needs without
    a pattern keep theirs)."""
    return {n.need_type: adapted_threshold(n.trigger_threshold, int(patterns[n.need_type].get("satisfied_7d", 0)),
                                           float(patterns[n.need_type].get("window_days", 7.0)))
            for n in needs if n.need_type in patterns}
