"""Big Five traits (fixed at creation) and the PAD baseline they imply."""
from __future__ import annotations

import hashlib
import random
from dataclasses import asdict, dataclass

from .pad import PAD

TRAITS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")


@dataclass(frozen=True)
class BigFive:
    openness: float
    conscientiousness: float
    extraversion: float
    agreeableness: float
    neuroticism: float

    def __post_init__(self) -> None:
        for name in TRAITS:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Big Five {name} must be within [0, 1], got {value!r}")

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}


def generate_big_five(user_id: str, *, salt: str = "") -> BigFive:
    """A distinct personality per user, reproducible from the user id.

    Each trait is drawn from a normal distribution around 0.5 (sd 0.15, clipped to
    [0.05, 0.95]) like population trait scores, so most companions are moderate and a few are
    distinctive. Seeding with the user id makes creation idempotent: a retried creation yields
    the same companion. ``salt`` lets an operator re-roll every companion of a deployment.
    """
    seed = int.from_bytes(hashlib.sha256(f"{salt}:{user_id}".encode()).digest()[:8], "big")
    rng = random.Random(seed)
    return BigFive(*(round(min(0.95, max(0.05, rng.gauss(0.5, 0.15))), 4) for _ in TRAITS))


def baseline_pad(traits: BigFive) -> PAD:
    """The temperament a personality implies, from Mehrabian (1996), "Analysis of the Big-five
    personality factors in terms of the PAD temperament model":

        P = .21 E + .59 A + .19 S      A = .15 O + .30 A - .57 S      D = .25 O + .17 C + .60 E - .32 A

    with traits rescaled from [0, 1] to [-1, 1] and emotional stability S = -neuroticism. The
    result is scaled by 0.5 so a baseline is a mild mood, never an extreme one.
    """
    o, c, e, a, n = (2 * getattr(traits, t) - 1 for t in TRAITS)
    s = -n
    return PAD(
        0.5 * (0.21 * e + 0.59 * a + 0.19 * s),
        0.5 * (0.15 * o + 0.30 * a - 0.57 * s),
        0.5 * (0.25 * o + 0.17 * c + 0.60 * e - 0.32 * a),
    ).clamped()
