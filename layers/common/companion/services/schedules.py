"""The scheduled jobs: each EventBridge schedule's handler calls one method here.

Need growth and retention are single set-based statements. The proactive sweep and the nightly
reflection select their users in one statement and fan out one job per user onto the work queue
(FIFO group = the user, so a job never races that user's turns); the per-user workers do the
expensive part. Every job is safe to run twice (EventBridge Scheduler delivers at least once) and
each run is recorded in scheduled_runs once per scheduled time.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from ..domain.schedules import UserJob
from ..ports import WorkQueue

log = logging.getLogger(__name__)

SWEEP_BATCH = 1000
MAX_PER_SWEEP = 50_000  # far above 100k users' share of a 5-minute sweep (~8k with hourly rechecks)
SWEEP_RECHECK = timedelta(hours=1)
REFLECTION_ACTIVE_DAYS = 7


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
                 grow_needs: Callable[[datetime], int], drift_baselines: Callable[[datetime], int],
                 lift_sanctions: Callable[[datetime], dict[str, int]] = lambda now: {}):
        """``grow_needs(now) -> rows``: the hourly need growth; ``drift_baselines(now) -> rows``:
        the nightly baseline drift (each one statement over every user, owned by the
        personality service); ``lift_sanctions(now) -> {status: users}``: sanctioned users'
        status set again from the escalation window (services/sanctions.py)."""
        self.schedules = schedules
        self.queue = queue
        self.clock = clock
        self.grow_needs = grow_needs
        self.drift_baselines = drift_baselines
        self.lift_sanctions = lift_sanctions

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
        while selected < MAX_PER_SWEEP:
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
        started = self.clock()
        drifted = self.drift_baselines(started)  # set-based, once a night (safe to repeat)
        users = self.schedules.reflection_candidates(started, REFLECTION_ACTIVE_DAYS)
        # Per-user jobs are keyed by (user, night): a repeated run queues nothing new.
        enqueued = self._fan_out("reflection", users, scheduled_for)
        # The previous night's per-user results, now that its jobs have run.
        summary = {"previous_night": self.schedules.reflection_summary(scheduled_for - timedelta(days=1)),
                   "baselines_drifted": drifted}
        self.schedules.record_run("nightly-reflection", scheduled_for, started, self.clock(),
                                  users_selected=len(users), jobs_enqueued=enqueued, summary=summary)
        return RunOutcome("nightly-reflection", scheduled_for, "done", len(users), enqueued, details=summary)

    def retention_purge(self, scheduled_for: datetime) -> RunOutcome:
        started = self.clock()
        deleted = self.schedules.purge(started)
        total = sum(deleted.values())
        self.schedules.record_run("retention-purge", scheduled_for, started, self.clock(),
                                  rows_affected=total, summary=deleted)
        return RunOutcome("retention-purge", scheduled_for, "done", rows_affected=total, details=deleted)

    def _fan_out(self, kind: str, users: list[str], slot: datetime) -> int:
        jobs = [UserJob(kind, user_id, slot) for user_id in users]
        if jobs and self.queue is None:
            raise RuntimeError(f"{kind} jobs need the turn queue: TURN_QUEUE_URL is not set")
        self.queue.send_many([(j.to_dict(), j.user_id, j.dedup_id) for j in jobs])
        return len(jobs)
