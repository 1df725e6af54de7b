"""Time budgets: when a turn must be finished, and how long each provider call may take.

A turn has two clocks running against it: the Lambda invocation's remaining time, and the
interaction token, which Discord accepts for 15 minutes after the interaction was created (the
interaction id is a snowflake whose top bits are that creation time). The turn's deadline is the
earlier of the two, minus margins; every provider call is given a timeout from what is left.

The deadline travels like a cancel scope: the turn service makes it current for the turn and
adapters ask ``call_timeout(cap)`` for their next call, so no port needs a timeout parameter.
Pure: the clocks are passed in.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

DISCORD_EPOCH_MS = 1_420_070_400_000  # 2015-01-01T00:00:00Z, the origin of Discord snowflakes
TOKEN_LIFETIME = timedelta(minutes=15)  # how long an interaction token can edit its reply


class DeadlineExceeded(TimeoutError):
    """No time is left for the call that was about to be made."""


def interaction_created_at(interaction_id: str) -> datetime | None:
    """When Discord created the interaction (the snowflake's timestamp), or None for an id that
    is not a snowflake (then only the Lambda's clock bounds the turn)."""
    try:
        value = int(interaction_id)
    except (TypeError, ValueError):
        return None
    if value < 1 << 22:  # no timestamp bits at all: not a real snowflake
        return None
    return datetime.fromtimestamp(((value >> 22) + DISCORD_EPOCH_MS) / 1000, tz=timezone.utc)


def snowflake_at(moment: datetime, sequence: int = 0) -> str:
    """A snowflake created at ``moment`` (the local runtime and tests mint interaction ids)."""
    ms = int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS
    return str((ms << 22) | (sequence & 0x3FFFFF))


def token_seconds_left(interaction_id: str, now: datetime) -> float | None:
    """Seconds until the interaction's token stops working; None when the id has no time."""
    created = interaction_created_at(interaction_id)
    if created is None:
        return None
    return (created + TOKEN_LIFETIME - now).total_seconds()


@dataclass(frozen=True)
class Deadline:
    """A moment on a monotonic clock (seconds) by which work must be done."""

    at: float
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> "Deadline":
        return cls(clock() + seconds, clock)

    def remaining(self) -> float:
        return self.at - self.clock()

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    def earlier(self, seconds: float) -> "Deadline":
        """The same deadline moved ``seconds`` earlier (time reserved for what comes after)."""
        return Deadline(self.at - seconds, self.clock)

    def timeout(self, cap: float) -> float:
        """``cap``, or what is left when that is less (never negative)."""
        return max(0.0, min(cap, self.remaining()))


_current: ContextVar[Deadline | None] = ContextVar("companion_deadline", default=None)


@contextmanager
def within(deadline: Deadline | None) -> Iterator[Deadline | None]:
    """Make ``deadline`` the one provider calls in this block are bounded by."""
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)


def current() -> Deadline | None:
    return _current.get()


def call_timeout(cap: float, *, minimum: float = 0.05) -> float:
    """The timeout for one provider call: ``cap``, or less when the current deadline is nearer.
    Raises DeadlineExceeded when less than ``minimum`` is left: the call could not succeed."""
    deadline = _current.get()
    if deadline is None:
        return cap
    left = deadline.timeout(cap)
    if left < minimum:
        raise DeadlineExceeded(f"no time left for the call ({deadline.remaining():.2f}s)")
    return left
