"""Rebuilds the vector index (Qdrant) from PostgreSQL, the source of truth.

For the day Qdrant's data is lost, or restored from a snapshot older than the database, or its
layout changed: every memory is marked unindexed, then each user's memories are put back with
the vectors PostgreSQL stores (memories an embedder outage left without one are embedded on the
way); once none is left out, the collections of an earlier layout are deleted
(adapters/qdrant_store.py). Resumable: a run
stops before its time budget and returns the cursor to continue from (the Lambda entry point is
the migrate function's {"action": "reindex-vectors"}; docs/OPERATIONS.md, "Restore drill").
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReindexProgress:
    users: int
    memories: int
    next_after_user: str | None  # None: done; otherwise pass it back to continue
    marked_unindexed: int = 0

    def to_dict(self) -> dict:
        return {"users": self.users, "memories": self.memories, "next_after_user": self.next_after_user,
                "marked_unindexed": self.marked_unindexed, "done": self.next_after_user is None}


class VectorIndexRebuild:
    def __init__(self, maintenance, memory_service, store, clock: Callable[[], datetime],
                 *, monotonic: Callable[[], float] = time.monotonic, page: int = 100):
        self.maintenance = maintenance
        self.memory = memory_service
        self.store = store
        self.clock = clock
        self.monotonic = monotonic
        self.page = page

    def _retire_legacy(self) -> None:
        """Once every memory is in the current layout, an earlier layout's collection can go."""
        model = self.memory.embedder.model_id
        left = self.maintenance.count_unindexed(model)
        if left:
            log.warning("vector index: %d memories not indexed yet; the earlier layout stays", left)
            return
        for name in self.store.retire_legacy(model):
            log.info("vector index: retired %s, an earlier layout", name)

    def run(self, *, after_user: str | None = None, budget_seconds: float | None = None) -> ReindexProgress:
        """Start over (after_user None: forget the whole index first) or continue after a user."""
        started = self.monotonic()
        marked = 0
        if after_user is None:
            marked = self.maintenance.forget_vector_index()
            self.store.drop_readiness_cache()
            log.info("vector index forgotten for %d memories; rebuilding from PostgreSQL", marked)
        users = memories = 0
        cursor = after_user
        while True:
            batch = self.maintenance.users_with_memories(cursor, self.page)
            if not batch:
                self._retire_legacy()
                return ReindexProgress(users, memories, None, marked)
            for user_id in batch:
                if budget_seconds is not None and self.monotonic() - started > budget_seconds:
                    return ReindexProgress(users, memories, cursor, marked)
                while moved := self.memory.index_pending(user_id, self.clock()):
                    memories += moved
                users += 1
                cursor = user_id
