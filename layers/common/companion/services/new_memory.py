"""A turn's new memory after the reply: its importance score and its conflict check, as a job.

The turn saves the memory with the heuristic importance (domain.importance: no provider call
before the reply) and answers. Then it queues a "new_memory" job in the user's FIFO group, so
the job runs before that user's next queued turn, in a worker invocation of its own: the
importance scorer (the fast model, or the offline scorer) replaces the heuristic score, a memory
that only repeats a current one is merged into it (services/merges.py), and otherwise the conflict
check (services/conflicts.py) compares the memory with the user's similar ones. With no
queue, or when sending fails, the same work is done in place, after the reply.

The job never raises: a retried job would hold up the user's next turns (their FIFO group waits
behind it), and neither a rougher importance score nor a missed contradiction is worth that.
Failures are counted (the worker's NewMemoryJobFailures metric).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from ..domain.schedules import UserJob
from ..ports import WorkQueue
from .conflicts import ConflictService
from .memory import MemoryService
from .merges import MergeService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewMemoryOutcome:
    status: str  # "done" | "merged" (it repeated a current memory) | "skipped" (forgotten or replaced meanwhile) | "failed"
    conflicts: int = 0  # contradictions recorded


class NewMemoryService:
    def __init__(self, *, memory: MemoryService, conflicts: ConflictService | None = None,
                 merges: MergeService | None = None, queue: WorkQueue | None = None):
        self.memory = memory
        self.conflicts = conflicts
        self.merges = merges
        self.queue = queue

    def after_reply(self, user_id: str, memory_id: str, interaction_key: str, now: datetime) -> None:
        """Queue the new memory's job (do it in place when there is no queue or it fails)."""
        if self.queue is not None:
            job = UserJob("new_memory", user_id, now, subject=memory_id, interaction=interaction_key)
            try:
                self.queue.send(job.to_dict(), group_id=user_id, dedup_id=job.dedup_id)
                return
            except Exception:  # noqa: BLE001 - the queue is down: do the work here instead
                log.warning("could not queue the new memory's job; doing it now", exc_info=True)
        self.follow_up(user_id, memory_id, interaction_key, now)

    def run(self, job: UserJob) -> NewMemoryOutcome:
        """The queued job (the worker's handler for "new_memory")."""
        try:
            return self.follow_up(job.user_id, job.subject, job.interaction, job.slot)
        except Exception:  # noqa: BLE001 - see the module's docstring
            log.exception("new memory job failed", extra={"user_id": job.user_id})
            return NewMemoryOutcome("failed")

    def follow_up(self, user_id: str, memory_id: str, interaction_key: str, now: datetime) -> NewMemoryOutcome:
        if not self.memory.score_stored(user_id, memory_id):
            return NewMemoryOutcome("skipped")
        if self.merges is not None and self.merges.merge_if_repeat(user_id, memory_id, now):
            return NewMemoryOutcome("merged")  # the memory it repeats was checked when it was new
        recorded = self.conflicts.check_stored(user_id, memory_id, interaction_key, now) if self.conflicts else []
        return NewMemoryOutcome("done", len(recorded))
