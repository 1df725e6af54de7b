"""The PAD (pleasure, arousal, dominance) emotional state and its octant labels."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

PAD_MIN, PAD_MAX = -1.0, 1.0

# Mehrabian's eight PAD octants, keyed by the signs of (pleasure, arousal, dominance), as the
# seed's PADState.to_emotion_octant maps them.
_OCTANTS = {
    (True, True, True): "exuberant",
    (True, True, False): "bored",
    (True, False, True): "relaxed",
    (True, False, False): "sleepy",
    (False, True, True): "anxious",
    (False, True, False): "stressed",
    (False, False, True): "calm",
    (False, False, False): "depressed",
}


def clamp(value: float, low: float = PAD_MIN, high: float = PAD_MAX) -> float:
    return max(low, min(high, value))


@dataclass(frozen=True)
class PAD:
    pleasure: float = 0.0
    arousal: float = 0.0
    dominance: float = 0.0

    def __post_init__(self) -> None:
        for name in ("pleasure", "arousal", "dominance"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value != value:  # rejects NaN too
                raise ValueError(f"PAD {name} must be a number, got {value!r}")

    def plus(self, delta: "PAD") -> "PAD":
        """This state moved by ``delta``, each dimension clamped to [-1, 1]."""
        return PAD(
            clamp(self.pleasure + delta.pleasure),
            clamp(self.arousal + delta.arousal),
            clamp(self.dominance + delta.dominance),
        )

    def clamped(self) -> "PAD":
        return PAD(clamp(self.pleasure), clamp(self.arousal), clamp(self.dominance))

    @property
    def label(self) -> str:
        """The octant emotion; exactly zero on every axis is "neutral"."""
        if self.pleasure == 0 and self.arousal == 0 and self.dominance == 0:
            return "neutral"
        return _OCTANTS[(self.pleasure > 0, self.arousal > 0, self.dominance > 0)]

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> "PAD":
        return cls(float(data["pleasure"]), float(data["arousal"]), float(data["dominance"]))


def update_pad_state(current: PAD, delta: PAD) -> PAD:
    """The seed's per-turn update: new = current + delta, clamped to [-1, 1] on every axis."""
    return current.plus(delta)


def lerp(start: PAD, target: PAD, fraction: float) -> PAD:
    """The state ``fraction`` of the way from ``start`` to ``target`` (0 keeps start, 1 reaches
    target); clamped, so no fraction can leave the bounds."""
    return PAD(
        start.pleasure + (target.pleasure - start.pleasure) * fraction,
        start.arousal + (target.arousal - start.arousal) * fraction,
        start.dominance + (target.dominance - start.dominance) * fraction,
    ).clamped()


# --- moods pass: relaxation toward the baseline ------------------------------------------------
#
# Between interactions the mood decays exponentially toward the baseline (temperament):
#
#     pad(t) = baseline + (pad(0) - baseline) * 2 ** (-t / half_life)
#     half_life(N) = RELAXATION_HALF_LIFE_HOURS * (1 + 2 N)        N = neuroticism in [0, 1]
#
# so an emotionally stable companion (N = 0) is halfway back to its temperament after 2 hours,
# an average one (N = 0.5) after 4 hours, and a very neurotic one (N = 1) after 6 hours: its moods
# linger three times as long (neuroticism is the tendency for negative affect to persist). After
# a quiet day (24 h) at most 1/16 of any mood is left. Exponential decay composes
# (relaxing 3 h then 5 h equals relaxing 8 h), so applying it lazily on read and again nightly
# never double-counts.
RELAXATION_HALF_LIFE_HOURS = 2.0


def relaxation_half_life_hours(neuroticism: float) -> float:
    return RELAXATION_HALF_LIFE_HOURS * (1.0 + 2.0 * min(1.0, max(0.0, neuroticism)))


def relax_toward(current: PAD, baseline: PAD, hours: float, neuroticism: float) -> PAD:
    """``current`` after ``hours`` without interaction, relaxed toward ``baseline``."""
    if hours <= 0:
        return current
    remaining = math.pow(2.0, -hours / relaxation_half_life_hours(neuroticism))
    return lerp(current, baseline, 1.0 - remaining)


# --- temperament drifts: the seed's nightly baseline drift ----------------------------------------

DRIFT_RATE = 0.01  # the seed's PAD_DRIFT_RATE: 1 % of the gap per night
DRIFT_WINDOW_DAYS = 7
DRIFT_MIN_INTERACTIONS = 5


def drift_baseline(baseline: PAD, mean_pad_after: PAD | None, interactions: int) -> PAD:
    """The seed's formula: new = old + (mean pad_after over 7 days - old) * 0.01 per dimension,
    only with >= 5 interactions in the window, clamped to [-1, 1]."""
    if mean_pad_after is None or interactions < DRIFT_MIN_INTERACTIONS:
        return baseline
    return lerp(baseline, mean_pad_after, DRIFT_RATE)


# --- the security screen's emotional cost ---------------------------------------------------------

SECURITY_PENALTY = PAD(pleasure=-0.3, arousal=0.2, dominance=-0.2)  # the seed's, for "high"


def security_pad_penalty(severity: str) -> PAD:
    """The PAD delta a detected threat causes (the seed's _escalate_threat): a high-severity
    threat upsets the companion (-0.3 pleasure, +0.2 arousal, -0.2 dominance); lower severities
    cost nothing. "critical" counts as high. Apply it with ``update_pad_state``."""
    if severity.strip().lower() in ("high", "critical"):
        return SECURITY_PENALTY
    return PAD()
