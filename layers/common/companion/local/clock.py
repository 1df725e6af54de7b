"""The local run's clock: wall time plus an offset that `:wait` advances, kept in the data folder
so a later run continues where the last one left off (stored timestamps stay in order)."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_WAIT = timedelta(days=60)


def parse_duration(text: str) -> timedelta:
    """``90m``, ``6h``, ``3d`` (also ``s`` and ``w``; combinations like ``1d12h``)."""
    text = text.strip().lower().replace(" ", "")
    parts = re.findall(r"\d+(?:\.\d+)?[smhdw]", text)
    if not text or "".join(parts) != text:
        raise ValueError(f"not a duration: {text!r} (try 90m, 6h, 3d)")
    total = timedelta()
    for part in parts:
        m = _DURATION.match(part)
        total += timedelta(**{_UNITS[m[2]]: float(m[1])})
    if total <= timedelta() or total > MAX_WAIT:
        raise ValueError(f"a wait is between 1s and {MAX_WAIT.days} days")
    return total


class LocalClock:
    def __init__(self, path: Path | None = None, *, frozen_at: datetime | None = None,
                 start_at: datetime | None = None):
        """``frozen_at``: time stands still there (tests) and moves only with advance_to.
        ``start_at``: a new clock (no saved offset yet) starts there and runs on from it."""
        self._path = path
        self._frozen_at = frozen_at
        self.offset = timedelta()
        if path is not None and path.exists():
            self.offset = timedelta(seconds=float(json.loads(path.read_text())["offset_seconds"]))
        elif start_at is not None:
            self.offset = start_at - self._base()

    def _base(self) -> datetime:
        return self._frozen_at or datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self._base() + self.offset

    def advance_to(self, when: datetime, *, persist: bool = True) -> None:
        if when > self():
            self.offset = when - self._base()
        if persist and self._path is not None:
            self._path.write_text(json.dumps({"offset_seconds": self.offset.total_seconds()}))
