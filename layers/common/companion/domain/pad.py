"""The PAD (pleasure, arousal, dominance) emotional state and its octant labels."""
from __future__ import annotations

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
