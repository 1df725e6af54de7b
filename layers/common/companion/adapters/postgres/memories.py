"""Memories: the source of truth for what the companion remembers (the vector index is derived)."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

import numpy as np
import psycopg

from ...domain.models import Memory, MemoryRecord
from .database import Database, as_array

_MEMORY_COLUMNS = "id::text, user_id, content, memory_type, importance, created_at, access_count"


class MemoryRepository:
    def __init__(self, db: Database):
        self.db = db

    def insert_memory(
        self, tx: psycopg.Connection, record: MemoryRecord, source_interaction_id: int | None
    ) -> None:
        """A memory without a vector (the embedder was down) keeps its embedding_input instead."""
        embedded = record.vector is not None
        tx.execute(
            """INSERT INTO memories (id, user_id, memory_type, content, importance, created_at,
                   last_accessed, embedding_model, embedding_dim, embedding, embedding_input,
                   source_interaction_id, valid_from)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (id) DO NOTHING""",
            (
                record.id, record.user_id, record.memory_type, record.content, record.importance,
                record.created_at, record.created_at,
                record.embedding_model if embedded else None,
                int(record.vector.shape[0]) if embedded else None,
                np.asarray(record.vector, dtype=np.float32) if embedded else None,
                None if embedded else (record.embedding_input or record.content),
                source_interaction_id, record.created_at,
            ),
        )

    def unembedded_memories(self, user_id: str, limit: int = 100) -> list[tuple[str, str]]:
        """(id, text to embed) of memories saved while the embedder was unavailable, oldest first."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                """SELECT id::text, coalesce(embedding_input, content) AS text FROM memories
                   WHERE user_id = %s AND embedding IS NULL ORDER BY created_at LIMIT %s""",
                (user_id, limit),
            ).fetchall()
        return [(row["id"], row["text"]) for row in rows]

    def set_embeddings(
        self, user_id: str, embedding_model: str, vectors: Sequence[tuple[str, np.ndarray]]
    ) -> None:
        with self.db.scoped(user_id) as tx:
            for memory_id, vector in vectors:
                tx.execute(
                    """UPDATE memories SET embedding = %s, embedding_model = %s, embedding_dim = %s,
                              embedding_input = NULL, indexed_at = NULL
                       WHERE user_id = %s AND id = %s AND embedding IS NULL""",
                    (np.asarray(vector, dtype=np.float32), embedding_model, int(vector.shape[0]),
                     user_id, memory_id),
                )

    def text_search_memories(self, user_id: str, query: str, limit: int) -> list[Memory]:
        """Full-text recall (any of the query's words, ranked): the fallback when no query
        vector can be made. Stop words alone match nothing."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""WITH q AS (
                       SELECT nullif(replace(plainto_tsquery('english', %s)::text, '&', '|'), '')::tsquery AS query
                   )
                   SELECT {_MEMORY_COLUMNS}, ts_rank(content_tsv, q.query) AS similarity
                   FROM memories, q
                   WHERE user_id = %s AND valid_to IS NULL AND q.query IS NOT NULL
                     AND content_tsv @@ q.query
                   ORDER BY similarity DESC, importance DESC LIMIT %s""",
                (query, user_id, limit),
            ).fetchall()
        return [Memory(**row) for row in rows]

    def mark_indexed(self, user_id: str, memory_ids: Sequence[str], now: datetime) -> None:
        with self.db.scoped(user_id) as conn:
            conn.execute(
                "UPDATE memories SET indexed_at = %s WHERE user_id = %s AND id = ANY(%s::uuid[])",
                (now, user_id, list(memory_ids)),
            )

    def unindexed_memories(self, user_id: str, embedding_model: str) -> list[MemoryRecord]:
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                """SELECT id::text, user_id, content, memory_type, importance, embedding_model,
                          embedding AS vector, created_at
                   FROM memories
                   WHERE user_id = %s AND indexed_at IS NULL AND embedding_model = %s""",
                (user_id, embedding_model),
            ).fetchall()
        return [MemoryRecord(**{**row, "vector": as_array(row["vector"])}) for row in rows]

    def memories_by_ids(self, user_id: str, memory_ids: Sequence[str]) -> dict[str, Memory]:
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT {_MEMORY_COLUMNS} FROM memories
                    WHERE user_id = %s AND id = ANY(%s::uuid[]) AND valid_to IS NULL""",
                (user_id, list(memory_ids)),
            ).fetchall()
        return {row["id"]: Memory(**row) for row in rows}

    def nearest_memories(
        self, user_id: str, embedding_model: str, vector: np.ndarray, limit: int
    ) -> list[tuple[Memory, np.ndarray, float]]:
        """Exact cosine search in PostgreSQL: the fallback when the vector index is unavailable."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT {_MEMORY_COLUMNS}, embedding, 1 - (embedding <=> %s) AS similarity
                    FROM memories
                    WHERE user_id = %s AND embedding_model = %s AND valid_to IS NULL
                    ORDER BY embedding <=> %s LIMIT %s""",
                (vector, user_id, embedding_model, vector, limit),
            ).fetchall()
        out = []
        for row in rows:
            embedding = as_array(row.pop("embedding"))
            similarity = float(row.pop("similarity"))
            out.append((Memory(**row, similarity=similarity), embedding, similarity))
        return out

    def record_memory_access(self, user_id: str, memory_ids: Sequence[str], now: datetime) -> None:
        if memory_ids:
            with self.db.scoped(user_id) as conn:
                conn.execute(
                    """UPDATE memories SET access_count = access_count + 1, last_accessed = %s
                       WHERE user_id = %s AND id = ANY(%s::uuid[])""",
                    (now, user_id, list(memory_ids)),
                )

    def count_memories(self, user_id: str) -> int:
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                "SELECT count(*) AS n FROM memories WHERE user_id = %s AND valid_to IS NULL", (user_id,)
            ).fetchone()
        return int(row["n"])

    def list_memories(self, user_id: str, memory_type: str, limit: int,
                      before: tuple[datetime, str] | None = None) -> list[Memory]:
        """The user's current memories of one type, newest first; ``before`` is the (created_at,
        id) of the previous page's last memory (keyset pagination)."""
        where, params = "", []
        if before is not None:
            where, params = "AND (created_at, id) < (%s, %s::uuid)", [before[0], before[1]]
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT {_MEMORY_COLUMNS} FROM memories
                    WHERE user_id = %s AND memory_type = %s AND valid_to IS NULL {where}
                    ORDER BY created_at DESC, id DESC LIMIT %s""",
                (user_id, memory_type, *params, limit),
            ).fetchall()
        return [Memory(**row) for row in rows]
