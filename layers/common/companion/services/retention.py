"""Retention that means it: past a user's retention, a memory goes with everything built from it.

The daily retention purge (services/schedules.py) calls ``RetentionService.purge``. For each
batch of users (adapters/postgres/retention.py), the memories past their retention:
- their points in the vector index (Qdrant: the payload holds the text) are deleted **first**, so
  a Qdrant outage leaves the rows for the next run to find, never an orphaned point;
- then in one transaction: the conflict records naming them, the memories themselves (their BM25
  postings and lexicon counts go with them, by trigger), and any summary built from one of them
  (a summary holds its sources' words; the other sources become plain memories again);
- then the cached vectors of their texts (Redis; the in-process caches keep nothing a day).
Last, the /why records of later replies that still quote an expired memory keep only its id
(``domain.retention.expire_explanation``), and those replies (made with it in their prompt) lose
any word-for-word repeat of it. The interactions, incidents and proactive decisions
past the retention are ScheduleRepository.purge's statements.

Work stops when its time is up and the next run continues where the purge stands (every step is
idempotent); ``unfinished`` says so.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import datetime
from typing import Callable, Sequence

from ..domain.retention import expire_explanation, quoted_ids, redact

log = logging.getLogger(__name__)

USERS_PER_BATCH = 500
MEMORIES_PER_USER = 1000  # in one batch; a user with more is visited again
EXPLANATIONS_PER_BATCH = 500


class RetentionService:
    def __init__(self, *, store, vectors, default_days: int,
                 erasers: Sequence[Callable[[str, Sequence[str]], None]] = (),
                 monotonic: Callable[[], float] = time.monotonic):
        """``default_days``: the deployment's retention (DATA_RETENTION_DAYS), for users without
        one of their own; ``vectors``: the search index (``delete_ids``); ``erasers``: caches
        keyed by text (called with a user id and that user's purged texts)."""
        if default_days < 1:
            raise ValueError(f"DATA_RETENTION_DAYS must be at least 1 day, not {default_days}")
        self.store = store
        self.vectors = vectors
        self.default_days = default_days
        self.erasers = list(erasers)
        self.monotonic = monotonic

    def purge(self, now: datetime, seconds: float | None = None) -> dict[str, int]:
        """Memories past their users' retention, with what was built from them; ``seconds``:
        the time this run may take (None: until done)."""
        ends = None if seconds is None else self.monotonic() + seconds
        out = {"memories": 0, "summaries": 0, "memory_conflicts": 0, "unindexed": 0,
               "why_records": 0, "unfinished": 0}
        after = None
        while True:
            batch = self.store.expired_memories(now, self.default_days, after_user=after,
                                                users=USERS_PER_BATCH, per_user=MEMORIES_PER_USER)
            if batch.memories:
                self._delete(batch.memories, out)
            after = batch.last_user
            if batch.done:
                break
            if ends is not None and self.monotonic() >= ends:
                out["unfinished"] = 1
                return out
        while ends is None or self.monotonic() < ends:
            records = self.store.explanations_quoting_expired(now, self.default_days, EXPLANATIONS_PER_BATCH)
            kept = self.store.existing(sorted({i for r in records for i in quoted_ids(r["explanation"])}))
            changed = []
            for r in records:
                explanation, texts = expire_explanation(r["explanation"], r["cutoff"], kept)
                if explanation != r["explanation"]:  # the reply was made with them in its prompt
                    changed.append((r["id"], explanation, redact(r["agent_response"], texts)))
            out["why_records"] += self.store.set_explanations(changed)
            if len(records) < EXPLANATIONS_PER_BATCH or not changed:
                break
        else:
            out["unfinished"] = 1
        return out

    def _delete(self, memories, out: dict[str, int]) -> None:
        ids = [m.id for m in memories]
        self.vectors.delete_ids(ids)  # first: if the index is down, nothing below happens
        out["unindexed"] += len(ids)
        for key, n in self.store.delete_memories(memories).items():
            out[key] += n
        texts: dict[str, list[str]] = defaultdict(list)
        for m in memories:
            texts[m.user_id].extend(m.texts)
        for eraser in self.erasers:
            for user_id, user_texts in texts.items():
                eraser(user_id, user_texts)
