"""Near-duplicate merges (migration 082): a new memory that repeats a current one is linked to
it and leaves the current memories."""
from __future__ import annotations

from datetime import datetime

import numpy as np

from ...domain.models import Memory
from . import vectors
from .database import Database

_MEMORY = """m.id::text, m.user_id, m.content, m.memory_type, m.importance, m.created_at, m.access_count,
             m.author"""


class MergeRepository:
    def __init__(self, db: Database):
        self.db = db

    def memory_to_merge(self, user_id: str, memory_id: str, embedding_model: str) -> tuple[Memory, np.ndarray] | None:
        """A current, unpinned episodic memory with its stored vector of this embedder; None when
        it is gone, replaced, pinned, a summary or not embedded."""
        with self.db.scoped(user_id) as conn:
            found = vectors.current_with_vector(conn, _MEMORY, user_id=user_id, memory_id=memory_id,
                                                embedding_model=embedding_model, where="AND NOT m.pinned")
        return None if found is None else (Memory(**found[0]), found[1])

    def similar_current_memories(self, user_id: str, embedding_model: str, vector: np.ndarray, new: Memory,
                                 min_similarity: float, limit: int) -> list[Memory]:
        """The user's current, unpinned episodic memories of the same author nearest to ``vector``."""
        with self.db.scoped(user_id) as conn:
            rows = vectors.nearest(
                conn, _MEMORY, user_id=user_id, embedding_model=embedding_model, vector=vector, limit=limit,
                where="AND m.id <> %s::uuid AND m.memory_type = 'episodic' AND NOT m.pinned AND m.author = %s",
                params=(new.id, new.author))
        return [Memory(**row) for row in rows if row["similarity"] >= min_similarity]

    def merge(self, user_id: str, repeat: Memory, into: Memory, now: datetime) -> bool:
        """One transaction: ``repeat`` leaves the current memories, linked to ``into``, which keeps
        the higher importance and counts as just mentioned (recency). False when either is no
        longer current (forgotten, replaced or pinned meanwhile)."""
        with self.db.scoped(user_id) as tx:
            merged = tx.execute(
                """UPDATE memories SET merged_into = %s::uuid, valid_to = %s
                   WHERE user_id = %s AND id = %s::uuid AND valid_to IS NULL AND NOT pinned
                     AND EXISTS (SELECT 1 FROM memories WHERE user_id = %s AND id = %s::uuid
                                 AND valid_to IS NULL AND NOT pinned)""",
                (into.id, now, user_id, repeat.id, user_id, into.id)).rowcount
            if merged:
                tx.execute(
                    """UPDATE memories SET importance = GREATEST(importance, %s),
                           last_accessed = GREATEST(last_accessed, %s)
                       WHERE user_id = %s AND id = %s::uuid""",
                    (repeat.importance, now, user_id, into.id))
        return bool(merged)
