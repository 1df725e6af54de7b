"""How the mood moved: trend (least-squares slope per day) and volatility of a PAD history, and
the sparkline /personality draws from it (reflection.py's analyze_emotional_trends)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from .pad import PAD

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
FLAT_SLOPE = 0.02  # per day: below this a trend is "steady"


@dataclass(frozen=True)
class MoodPoint:
    at: datetime
    pad: PAD


@dataclass(frozen=True)
class EmotionalTrend:
    points: int
    pleasure_slope: float  # change per day
    arousal_slope: float
    dominance_slope: float
    volatility: float  # standard deviation of successive changes, averaged over the 3 dimensions

    @property
    def arrow(self) -> str:
        if self.pleasure_slope > FLAT_SLOPE:
            return "↗"
        if self.pleasure_slope < -FLAT_SLOPE:
            return "↘"
        return "→"

    @property
    def direction(self) -> str:
        return {"↗": "brightening", "↘": "darkening", "→": "steady"}[self.arrow]

    def as_dict(self) -> dict[str, float]:
        return {
            "points": self.points, "pleasure_slope": round(self.pleasure_slope, 6),
            "arousal_slope": round(self.arousal_slope, 6), "dominance_slope": round(self.dominance_slope, 6),
            "volatility": round(self.volatility, 6),
        }


def slope_per_day(times: Sequence[datetime], values: Sequence[float]) -> float:
    """Least-squares slope of ``values`` against time, in units per day (0 for < 2 points or
    no spread in time)."""
    if len(values) < 2:
        return 0.0
    t0 = times[0]
    xs = [(t - t0).total_seconds() / 86400.0 for t in times]
    mx, my = sum(xs) / len(xs), sum(values) / len(values)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, values)) / sxx


def volatility(values: Sequence[float]) -> float:
    """Standard deviation of successive changes (0 for fewer than 3 points)."""
    diffs = [b - a for a, b in zip(values, values[1:])]
    if len(diffs) < 2:
        return 0.0
    mean = sum(diffs) / len(diffs)
    return math.sqrt(sum((d - mean) ** 2 for d in diffs) / (len(diffs) - 1))


def emotional_trend(history: Sequence[MoodPoint]) -> EmotionalTrend:
    points = sorted(history, key=lambda p: p.at)
    times = [p.at for p in points]
    dims = {d: [getattr(p.pad, d) for p in points] for d in ("pleasure", "arousal", "dominance")}
    return EmotionalTrend(
        points=len(points),
        pleasure_slope=slope_per_day(times, dims["pleasure"]),
        arousal_slope=slope_per_day(times, dims["arousal"]),
        dominance_slope=slope_per_day(times, dims["dominance"]),
        volatility=sum(volatility(v) for v in dims.values()) / 3,
    )


def daily_means(history: Sequence[MoodPoint], now: datetime, days: int = 7) -> list[float | None]:
    """Mean pleasure per day for the last ``days`` days (oldest first); None for a day without data."""
    buckets: list[list[float]] = [[] for _ in range(days)]
    for p in history:
        age = (now - p.at).total_seconds() / 86400.0
        if 0 <= age < days:
            buckets[days - 1 - int(age)].append(p.pad.pleasure)
    return [sum(b) / len(b) if b else None for b in buckets]


def sparkline(values: Sequence[float | None], low: float = -1.0, high: float = 1.0) -> str:
    """One block per value on a fixed [-1, 1] scale (so a calm week looks calm); · for no data."""
    out = []
    for v in values:
        if v is None:
            out.append("·")
            continue
        fraction = (min(high, max(low, v)) - low) / (high - low)
        out.append(SPARK_BLOCKS[min(len(SPARK_BLOCKS) - 1, int(fraction * len(SPARK_BLOCKS)))])
    return "".join(out)
