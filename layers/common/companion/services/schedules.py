"""The scheduled jobs: each EventBridge schedule's handler calls one method here.

Need growth and retention are single set-based statements. The proactive sweep and the reflection
sweep claim their users in batches (one statement each) and fan out one job per user onto the job
queue (FIFO group = the user), apart from the turns; the job worker does the expensive part. A
sweep stops claiming when its function's time runs short (``deadline.current()``): the users it
did not reach stay due and the next sweep takes them. Every job is safe to run twice (EventBridge
Scheduler delivers at least once) and a sweep that claimed anyone is recorded in scheduled_runs
once per scheduled time.

Reflection runs in each user's own night: the sweep runs every 15 minutes and claims the users
whose reflection minute (01:00-03:59 on their clock, spread by a hash of the user id) has come;
each user's job also drifts their baseline (``PersonalityService.evolve``), so no statement over
every user holds the turns' rows at one hour of the day.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from ..domain import deadline as deadlines
from ..domain.retention import DEFAULT_RETENTION_DAYS
from ..domain.schedules import UserJob
from ..ports import WorkQueue

log = logging.getLogger(__name__)

SWEEP_BATCH = 1000
MAX_PER_SWEEP = 50_000  # far above 100k users' share of a 5-minute sweep (~8k with hourly rechecks)
SWEEP_RECHECK = timedelta(hours=1)
REFLECTION_ACTIVE_DAYS = 7
REFLECTION_PERIOD = timedelta(minutes=15)  # the reflection sweep's schedule (domain/schedules.py)
# A sweep claims no further batch with less than this left: claiming and sending 1,000 jobs takes
# about a second (benchmarks/bench_fanout.py); what it leaves stays due for the next sweep.
BATCH_RESERVE_S = 10.0


@dataclass
class RunOutcome:
    job: str
    scheduled_for: datetime
    status: str  # done
    users_selected: int = 0
    jobs_enqueued: int = 0
    rows_affected: int | None = None
    details: dict = field(default_factory=dict)


class ScheduleService:
    def __init__(self, *, schedules, queue: WorkQueue | None, clock: Callable[[], datetime],
                 grow_needs: Callable[[datetime], int],
                 lift_sanctions: Callable[[datetime], dict[str, int]] = lambda now: {},
                 summarise_fleet: Callable[[datetime], dict | None] = lambda now: None,
                 purge_memories: Callable[[datetime, float | None], dict[str, int]] = lambda now, seconds: {},
                 retention_days: int = DEFAULT_RETENTION_DAYS):
        """``grow_needs(now) -> rows``: the hourly need growth (one statement over every user,
        owned by the personality service); ``lift_sanctions(now) -> {status: users}``:
        sanctioned users' status set again from the escalation window (services/sanctions.py);
        ``summarise_fleet(now)``: yesterday's system insights, once a day (services/insights.py);
        ``purge_memories(now, seconds)``: memories past their users' retention, with what was
        built from them (services/retention.py); ``retention_days``: the deployment's retention."""
        self.schedules = schedules
        self.queue = queue
        self.clock = clock
        self.grow_needs = grow_needs
        self.lift_sanctions = lift_sanctions
        self.summarise_fleet = summarise_fleet
        self.purge_memories = purge_memories
        self.retention_days = retention_days

    def need_decay(self, scheduled_for: datetime) -> RunOutcome:
        started = self.clock()
        rows = self.grow_needs(started)  # growth is by elapsed time: a repeated run adds nothing
        self.schedules.record_run("need-decay", scheduled_for, started, self.clock(), rows_affected=rows)
        return RunOutcome("need-decay", scheduled_for, "done", rows_affected=rows)

    def proactive_sweep(self, scheduled_for: datetime) -> RunOutcome:
        """Claims due users in batches (a claim moves their next check, so a repeated or
        overlapping sweep never picks the same user twice) and fans out their jobs."""
        started = self.clock()
        # First: users whose sanction lapsed are active again, and due in this very sweep.
        moved = self.lift_sanctions(started)
        selected = enqueued = 0
        while selected < MAX_PER_SWEEP and _time_for_a_batch():
            users = self.schedules.claim_proactive_candidates(started, started + SWEEP_RECHECK, SWEEP_BATCH)
            selected += len(users)
            enqueued += self._fan_out("proactive", users, scheduled_for)
            if len(users) < SWEEP_BATCH:
                break
        details = {"sanctions_moved": moved} if moved else {}
        if selected or moved:  # 288 empty sweeps a day are counted by metrics, not rows
            self.schedules.record_run("proactive-sweep", scheduled_for, started, self.clock(),
                                      users_selected=selected, jobs_enqueued=enqueued, summary=details)
        return RunOutcome("proactive-sweep", scheduled_for, "done", selected, enqueued, details=details)

    def nightly_reflection(self, scheduled_for: datetime) -> RunOutcome:
        """Claims the users whose night has come and queues their reflection (keyed by user and
        night: a repeated job changes nothing). Also reports how the reflections whose slots fell
        in the same 15 minutes a day ago went: each night's outcome is counted exactly once."""
        started = self.clock()
        claimed = enqueued = 0
        while _time_for_a_batch():
            due, batch = self.schedules.claim_reflections(started, REFLECTION_ACTIVE_DAYS, SWEEP_BATCH)
            claimed += batch
            enqueued += self._send([UserJob("reflection", user_id, slot) for user_id, slot in due])
            if batch < SWEEP_BATCH:
                break
        day_ago = scheduled_for - timedelta(days=1)
        summary = {"previous_night": self.schedules.reflection_summary(day_ago - REFLECTION_PERIOD, day_ago),
                   "users_claimed": claimed}
        fleet = self.summarise_fleet(started)  # one aggregate statement, once a day
        if fleet is not None:
            summary["system_insights"] = fleet
        if claimed:  # 96 sweeps a day; the empty ones are counted by metrics, not rows
            self.schedules.record_run("nightly-reflection", scheduled_for, started, self.clock(),
                                      users_selected=enqueued, jobs_enqueued=enqueued, summary=summary)
        return RunOutcome("nightly-reflection", scheduled_for, "done", enqueued, enqueued, details=summary)

    def retention_purge(self, scheduled_for: datetime, seconds: float | None = None) -> RunOutcome:
        """``seconds``: the time the memories' purge may take (it stops and the next run goes on)."""
        started = self.clock()
        deleted = self.purge_memories(started, seconds)
        unfinished = deleted.pop("unfinished", 0)
        deleted.update(self.schedules.purge(started, self.retention_days))
        total = sum(deleted.values())
        deleted["unfinished"] = unfinished
        self.schedules.record_run("retention-purge", scheduled_for, started, self.clock(),
                                  rows_affected=total, summary=deleted)
        return RunOutcome("retention-purge", scheduled_for, "done", rows_affected=total, details=deleted)

    def _fan_out(self, kind: str, users: list[str], slot: datetime) -> int:
        return self._send([UserJob(kind, user_id, slot) for user_id in users])

    def _send(self, jobs: list[UserJob]) -> int:
        if jobs and self.queue is None:
            raise RuntimeError(f"{jobs[0].kind} jobs need the job queue: JOB_QUEUE_URL is not set")
        if jobs:
            self.queue.send_many([(j.to_dict(), j.user_id, j.dedup_id) for j in jobs])
        return len(jobs)


def _time_for_a_batch() -> bool:
    """Whether the sweep's function has time for another claim-and-send batch."""
    deadline = deadlines.current()
    return deadline is None or deadline.remaining() > BATCH_RESERVE_S
