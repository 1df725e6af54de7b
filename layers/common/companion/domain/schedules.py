"""The scheduled jobs (the seed's main.py job list, on EventBridge Scheduler) and per-user jobs.

The same definitions drive template.yaml (a test checks they agree) and the local runtime's
`:wait`, which fires every schedule that falls due through its real handler. Only the expression
forms used here are understood: ``rate(N minutes|hours|days)`` and
``cron(M H * * ? *)`` (a fixed time of day, every day).
"""
from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

SCHEDULER_SOURCE = "aws.scheduler"
SCHEDULED_EVENT = "Scheduled Event"


@dataclass(frozen=True)
class Schedule:
    name: str  # the job's name, also the EventBridge schedule's resource suffix
    expression: str
    function: str  # functions/<function>/app.py
    resource: str  # the template's function resource


SCHEDULES = (
    Schedule("need-decay", "rate(1 hour)", "need_decay", "NeedDecayFunction"),
    Schedule("proactive-sweep", "rate(5 minutes)", "proactive_sweep", "ProactiveSweepFunction"),
    # Every 15 minutes: it claims the users whose night has come (each at their own minute).
    Schedule("nightly-reflection", "rate(15 minutes)", "reflection_sweep", "ReflectionSweepFunction"),
    Schedule("retention-purge", "cron(30 4 * * ? *)", "retention_purge", "RetentionPurgeFunction"),
)

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_DAILY_CRON = re.compile(r"^cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)$")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def period(expression: str) -> timedelta:
    m = _RATE.match(expression)
    if m:
        unit = m[2].rstrip("s")
        return timedelta(**{f"{unit}s": int(m[1])})
    if _DAILY_CRON.match(expression):
        return timedelta(days=1)
    raise ValueError(f"unsupported schedule expression {expression!r}")


def fire_times(expression: str, after: datetime, until: datetime) -> Iterator[datetime]:
    """Every time in (after, until] the schedule fires (UTC). Rates are aligned to the epoch, so a
    rate(1 hour) fires on the hour, as EventBridge's own rate schedules do in practice."""
    m = _DAILY_CRON.match(expression)
    if m:
        minute, hour = int(m[1]), int(m[2])
        t = after.astimezone(timezone.utc).replace(hour=hour, minute=minute, second=0, microsecond=0)
        while t <= after:
            t += timedelta(days=1)
    else:
        step = period(expression)
        elapsed = (after - _EPOCH) // step
        t = _EPOCH + (elapsed + 1) * step
    step = period(expression)
    while t <= until:
        yield t
        t += step


def scheduled_event(schedule: Schedule, at: datetime, *, account: str = "000000000000",
                    region: str = "local", attempt: int = 1) -> dict[str, Any]:
    """The event each schedule in template.yaml sends its function: the EventBridge "Scheduled
    Event" shape, its Input filled in by the scheduler's context attributes (scheduled time,
    schedule ARN, execution id, attempt number)."""
    arn = f"arn:aws:scheduler:{region}:{account}:schedule/default/companion-{schedule.name}"
    return {
        "version": "0",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{arn}@{at.isoformat()}")),
        "detail-type": SCHEDULED_EVENT,
        "source": SCHEDULER_SOURCE,
        "account": account,
        "time": at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [arn],
        "attempt": str(attempt),
        "detail": {},
    }


class InvalidScheduledEvent(ValueError):
    pass


def scheduled_time(event: Any) -> datetime:
    """The time a schedule fired for, from its event; a malformed event is refused clearly."""
    if not isinstance(event, dict) or "time" not in event:
        raise InvalidScheduledEvent("not a scheduled event: no 'time'")
    try:
        at = datetime.strptime(str(event["time"]), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise InvalidScheduledEvent(f"scheduled event time {event['time']!r} is not ISO-8601 UTC") from None
    return at.replace(tzinfo=timezone.utc)


# --- each user's night: when their nightly reflection runs -----------------------------------------
# Reflection runs in the user's own night, in their time zone: a minute of their own between 01:00
# and 04:00 local (a stable hash of the user id spreads a time zone's users over those three
# hours, so the fleet's reflections spread over the day by time zone and, within a zone, over three
# hours), and a job that cannot start before 05:00 local waits for the next night. The sweep that
# claims due users (adapters/postgres/schedules.py) computes the same slot in SQL (migration 082's
# companion_reflection_slot); a test keeps the two equal.

NIGHT_START_MINUTE = 60  # 01:00 local
NIGHT_SPREAD_MINUTES = 180  # slots from 01:00 to 03:59 local
NIGHT_END_MINUTE = 300  # 05:00 local: a reflection never starts later (an hour of slack for lag)


def reflection_minute(user_id: str) -> int:
    """The user's minute of the local day for their reflection (01:00-03:59)."""
    spread = int(hashlib.md5(user_id.encode()).hexdigest()[:8], 16) % NIGHT_SPREAD_MINUTES
    return NIGHT_START_MINUTE + spread


def next_reflection_slot(user_id: str, zone_name: str | None, after: datetime) -> datetime:
    """The first moment after ``after`` at the user's reflection minute on their clock (UTC)."""
    from .proactive import zone

    tz = zone(zone_name)
    day = after.astimezone(tz).date()
    minute = reflection_minute(user_id)
    while True:
        candidate = _as_postgres_reads(datetime(day.year, day.month, day.day, minute // 60, minute % 60), tz)
        if candidate > after:
            return candidate
        day += timedelta(days=1)


def _as_postgres_reads(wall: datetime, tz) -> datetime:
    """A wall-clock time in ``tz`` as PostgreSQL's ``AT TIME ZONE`` reads it (UTC): a time skipped
    by a spring-forward takes the offset before the change, a time repeated by a fall-back the
    offset after it (Python's fold=0 and fold=1 respectively)."""
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(timezone.utc)
    repeated = first.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) == wall
    return (second if repeated else first).astimezone(timezone.utc)


def in_users_night(zone_name: str | None, at: datetime) -> bool:
    """Whether ``at`` is inside the reflection night (01:00-05:00) on the user's clock."""
    from .proactive import zone

    local = at.astimezone(zone(zone_name))
    minute = local.hour * 60 + local.minute
    return NIGHT_START_MINUTE <= minute < NIGHT_END_MINUTE


# --- per-user jobs (fanned out on the user's FIFO group of the work queue) -------------------------

JOB_KINDS = ("proactive", "reflection", "new_memory")


class InvalidJob(ValueError):
    pass


@dataclass(frozen=True)
class UserJob:
    kind: str
    user_id: str
    slot: datetime  # the schedule time (or the turn's time) that produced the job: its idempotency key
    # What a turn's follow-up job is about ("new_memory": the memory's id and its interaction).
    subject: str = ""
    interaction: str = ""

    def to_dict(self) -> dict[str, Any]:
        body = {"job": self.kind, "user_id": self.user_id, "slot": self.slot.isoformat()}
        if self.subject:
            body.update(subject=self.subject, interaction=self.interaction)
        return body

    @property
    def dedup_id(self) -> str:
        key = f"{self.kind}:{self.user_id}:{int(self.slot.timestamp())}"
        key = f"{key}:{self.subject}" if self.subject else key
        # SQS takes at most 128 characters (user ids may have up to 100): longer keys go hashed.
        return key if len(key) <= 128 else hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def from_dict(cls, data: Any) -> "UserJob":
        if not isinstance(data, dict) or data.get("job") not in JOB_KINDS:
            raise InvalidJob("not a per-user job")
        user_id = data.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            raise InvalidJob("job field 'user_id' is missing")
        try:
            slot = datetime.fromisoformat(str(data.get("slot")))
        except ValueError:
            raise InvalidJob("job field 'slot' is not an ISO time") from None
        if slot.tzinfo is None:
            raise InvalidJob("job field 'slot' has no time zone")
        subject, interaction = data.get("subject", ""), data.get("interaction", "")
        if not isinstance(subject, str) or not isinstance(interaction, str):
            raise InvalidJob("job fields 'subject' and 'interaction' must be strings")
        if data["job"] == "new_memory" and not subject:
            raise InvalidJob("a new_memory job names its memory in 'subject'")
        return cls(kind=data["job"], user_id=user_id, slot=slot, subject=subject, interaction=interaction)


def is_job(body: Any) -> bool:
    return isinstance(body, dict) and "job" in body
