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
    Schedule("nightly-reflection", "cron(0 3 * * ? *)", "reflection_sweep", "ReflectionSweepFunction"),
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
