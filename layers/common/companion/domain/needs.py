"""Psychological needs: their defaults, decay and satisfaction (levels rise as a need goes unmet)."""
from __future__ import annotations

from dataclasses import dataclass

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


def decayed_level(level: float, decay_rate: float, hours_elapsed: float) -> float:
    """The seed's decay: current_level = MIN(1.0, current_level + hours_elapsed * decay_rate)."""
    return min(1.0, level + max(0.0, hours_elapsed) * decay_rate)


def satisfied_level(level: float, satisfaction_rate: float) -> float:
    return max(0.0, level - satisfaction_rate)


def needs_met_by_message(message: str) -> set[str]:
    """Which needs a user's message satisfies: any conversation meets the social need; a question
    or a long, thoughtful message meets the intellectual one."""
    met = {"social"}
    text = message.strip()
    if "?" in text or len(text.split()) >= 25:
        met.add("intellectual")
    return met
