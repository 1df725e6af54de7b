"""Operators' cross-user work on PostgreSQL (never on a user's behalf): which users have
memories, and forgetting what the vector index holds so it can be rebuilt from here."""
from __future__ import annotations

from .database import Database


class MaintenanceRepository:
    def __init__(self, db: Database):
        self.db = db

    def users_with_memories(self, after: str | None, limit: int) -> list[str]:
        """User ids with at least one memory, in order, after the cursor ``after``."""
        with self.db.unscoped() as conn:
            rows = conn.execute(
                """SELECT DISTINCT user_id FROM memories WHERE %s::text IS NULL OR user_id > %s
                   ORDER BY user_id LIMIT %s""",
                (after, after, limit),
            ).fetchall()
        return [row["user_id"] for row in rows]

    def forget_vector_index(self) -> int:
        """Mark every memory as not in the vector index (it was wiped or restored from an older
        snapshot); returns how many. PostgreSQL keeps the vectors, so nothing is re-embedded."""
        with self.db.unscoped() as conn:
            return conn.execute("UPDATE memories SET indexed_at = NULL WHERE indexed_at IS NOT NULL").rowcount

    def count_unindexed(self, embedding_model: str) -> int:
        """Memories of this model that carry a vector but are not in the vector index."""
        with self.db.unscoped() as conn:
            row = conn.execute(
                "SELECT count(*) AS n FROM memories WHERE indexed_at IS NULL AND embedding_model = %s",
                (embedding_model,),
            ).fetchone()
        return int(row["n"])
