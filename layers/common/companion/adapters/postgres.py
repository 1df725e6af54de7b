"""PostgreSQL (Aurora in AWS, embedded locally) behind one repository. Every query is scoped by
user_id: no method reads or writes another user's rows."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator, Sequence

import numpy as np
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ..domain.models import Memory, MemoryRecord, PersonalitySnapshot, StoredInteraction
from ..domain.needs import Need
from ..domain.pad import PAD
from ..domain.personality import TRAITS, BigFive

log = logging.getLogger(__name__)


def _array(value) -> np.ndarray:
    """pgvector hands back its own Vector type; the domain works on float32 arrays."""
    return np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)


class Database:
    """One connection per process (a Lambda container handles one event at a time), opened
    lazily and replaced when it breaks, so a database blip fails one turn, not the container."""

    def __init__(self, conninfo: str, *, connect_timeout: int = 5):
        self._conninfo = conninfo
        self._connect_timeout = connect_timeout
        self._conn: psycopg.Connection | None = None

    def connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(
                self._conninfo,
                autocommit=True,
                row_factory=dict_row,
                connect_timeout=self._connect_timeout,
            )
            from pgvector.psycopg import register_vector

            register_vector(self._conn)
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        conn = self.connection()
        with conn.transaction():
            yield conn

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None


class Repository:
    def __init__(self, db: Database):
        self.db = db

    # --- users -------------------------------------------------------------------------------

    def profile_exists(self, user_id: str) -> bool:
        row = self.db.connection().execute(
            "SELECT 1 FROM user_profiles WHERE user_id = %s AND initialization_completed", (user_id,)
        ).fetchone()
        return row is not None

    def get_profile(self, user_id: str) -> dict | None:
        return self.db.connection().execute(
            "SELECT * FROM user_profiles WHERE user_id = %s", (user_id,)
        ).fetchone()

    def create_user(
        self, user_id: str, username: str, traits: BigFive, baseline: PAD, needs: Sequence[Need]
    ) -> bool:
        """The seed's create_user sequence in one transaction: profile, personality (Big Five +
        PAD at its baseline), needs, then the profile marked initialised. Any failure rolls back
        all of it. Returns False when the user already existed (a concurrent first message)."""
        with self.db.transaction() as tx:
            created = tx.execute(
                """INSERT INTO user_profiles (user_id, discord_username, status)
                   VALUES (%s, %s, 'active') ON CONFLICT (user_id) DO NOTHING RETURNING id""",
                (user_id, username),
            ).fetchone()
            if created is None:
                return False
            tx.execute(
                f"""INSERT INTO personality_state (user_id, {", ".join(TRAITS)}, pleasure, arousal,
                        dominance, emotion_label, is_current, pad_baseline, trigger_event)
                    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, TRUE, %s, 'created')""",
                (
                    user_id,
                    *(getattr(traits, t) for t in TRAITS),
                    baseline.pleasure,
                    baseline.arousal,
                    baseline.dominance,
                    baseline.label,
                    Jsonb(baseline.as_dict()),
                ),
            )
            tx.cursor().executemany(
                """INSERT INTO needs (user_id, need_type, current_level, baseline_level, decay_rate,
                        satisfaction_rate, trigger_threshold, proactive_weight)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
                [
                    (user_id, n.need_type, n.current_level, n.baseline_level, n.decay_rate,
                     n.satisfaction_rate, n.trigger_threshold, n.proactive_weight)
                    for n in needs
                ],
            )
            tx.execute(
                """UPDATE user_profiles SET personality_initialized = TRUE,
                       initialization_completed = TRUE WHERE user_id = %s""",
                (user_id,),
            )
        return True

    def touch_profile(self, tx: psycopg.Connection, user_id: str, username: str, now: datetime) -> None:
        tx.execute(
            """UPDATE user_profiles SET last_active = %s, total_interactions = total_interactions + 1,
                   discord_username = COALESCE(NULLIF(%s, ''), discord_username)
               WHERE user_id = %s""",
            (now, username, user_id),
        )

    # --- personality -------------------------------------------------------------------------

    def get_personality(self, user_id: str) -> PersonalitySnapshot | None:
        row = self.db.connection().execute(
            "SELECT * FROM personality_state WHERE user_id = %s AND is_current", (user_id,)
        ).fetchone()
        if row is None:
            return None
        return PersonalitySnapshot(
            user_id=user_id,
            traits=BigFive(*(row[t] for t in TRAITS)),
            pad=PAD(row["pleasure"], row["arousal"], row["dominance"]),
            baseline=PAD.from_dict(row["pad_baseline"]),
        )

    def set_pad(self, tx: psycopg.Connection, user_id: str, pad: PAD, trigger: str, now: datetime) -> None:
        updated = tx.execute(
            """UPDATE personality_state SET pleasure = %s, arousal = %s, dominance = %s,
                   emotion_label = %s, trigger_event = %s, timestamp = %s
               WHERE user_id = %s AND is_current""",
            (pad.pleasure, pad.arousal, pad.dominance, pad.label, trigger[:100], now, user_id),
        )
        if updated.rowcount != 1:
            raise LookupError(f"no current personality state for user {user_id}")

    # --- needs -------------------------------------------------------------------------------

    def get_needs(self, user_id: str) -> list[Need]:
        rows = self.db.connection().execute(
            """SELECT need_type, current_level, baseline_level, decay_rate, satisfaction_rate,
                      trigger_threshold, proactive_weight
               FROM needs WHERE user_id = %s ORDER BY need_type""",
            (user_id,),
        ).fetchall()
        return [Need(**row) for row in rows]

    def satisfy_needs(
        self, tx: psycopg.Connection, user_id: str, need_types: Sequence[str], now: datetime
    ) -> None:
        tx.execute(
            """UPDATE needs SET current_level = GREATEST(0, current_level - satisfaction_rate),
                   last_satisfied = %s, last_updated = %s
               WHERE user_id = %s AND need_type = ANY(%s)""",
            (now, now, user_id, list(need_types)),
        )

    # --- interactions ------------------------------------------------------------------------

    def find_interaction(self, user_id: str, interaction_key: str) -> StoredInteraction | None:
        row = self.db.connection().execute(
            """SELECT id, user_id, user_message, agent_response, timestamp, pad_before, pad_after,
                      llm_model_used, interaction_key
               FROM interactions WHERE user_id = %s AND interaction_key = %s""",
            (user_id, interaction_key),
        ).fetchone()
        return StoredInteraction(**row) if row else None

    def insert_interaction(self, tx: psycopg.Connection, **fields) -> int | None:
        """Insert one interaction row; None when its interaction_key is already recorded."""
        fields = {k: Jsonb(v) if isinstance(v, dict) else v for k, v in fields.items()}
        columns = ", ".join(fields)
        placeholders = ", ".join(["%s"] * len(fields))
        row = tx.execute(
            f"""INSERT INTO interactions ({columns}) VALUES ({placeholders})
                ON CONFLICT (interaction_key) WHERE interaction_key IS NOT NULL DO NOTHING
                RETURNING id""",
            tuple(fields.values()),
        ).fetchone()
        return row["id"] if row else None

    def list_interactions(self, user_id: str, limit: int = 100) -> list[StoredInteraction]:
        rows = self.db.connection().execute(
            """SELECT id, user_id, user_message, agent_response, timestamp, pad_before, pad_after,
                      llm_model_used, interaction_key
               FROM interactions WHERE user_id = %s ORDER BY timestamp, id LIMIT %s""",
            (user_id, limit),
        ).fetchall()
        return [StoredInteraction(**row) for row in rows]

    # --- memories ----------------------------------------------------------------------------

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
        rows = self.db.connection().execute(
            """SELECT id::text, coalesce(embedding_input, content) AS text FROM memories
               WHERE user_id = %s AND embedding IS NULL ORDER BY created_at LIMIT %s""",
            (user_id, limit),
        ).fetchall()
        return [(row["id"], row["text"]) for row in rows]

    def set_embeddings(
        self, user_id: str, embedding_model: str, vectors: Sequence[tuple[str, np.ndarray]]
    ) -> None:
        with self.db.transaction() as tx:
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
        rows = self.db.connection().execute(
            """WITH q AS (
                   SELECT nullif(replace(plainto_tsquery('english', %s)::text, '&', '|'), '')::tsquery AS query
               )
               SELECT id::text, user_id, content, memory_type, importance, created_at, access_count,
                      ts_rank(content_tsv, q.query) AS similarity
               FROM memories, q
               WHERE user_id = %s AND valid_to IS NULL AND q.query IS NOT NULL
                 AND content_tsv @@ q.query
               ORDER BY similarity DESC, importance DESC LIMIT %s""",
            (query, user_id, limit),
        ).fetchall()
        return [Memory(**row) for row in rows]

    def mark_indexed(self, user_id: str, memory_ids: Sequence[str], now: datetime) -> None:
        self.db.connection().execute(
            "UPDATE memories SET indexed_at = %s WHERE user_id = %s AND id = ANY(%s::uuid[])",
            (now, user_id, list(memory_ids)),
        )

    def unindexed_memories(self, user_id: str, embedding_model: str) -> list[MemoryRecord]:
        rows = self.db.connection().execute(
            """SELECT id::text, user_id, content, memory_type, importance, embedding_model,
                      embedding AS vector, created_at
               FROM memories
               WHERE user_id = %s AND indexed_at IS NULL AND embedding_model = %s""",
            (user_id, embedding_model),
        ).fetchall()
        return [MemoryRecord(**{**row, "vector": _array(row["vector"])}) for row in rows]

    def memories_by_ids(self, user_id: str, memory_ids: Sequence[str]) -> dict[str, Memory]:
        rows = self.db.connection().execute(
            """SELECT id::text, user_id, content, memory_type, importance, created_at, access_count
               FROM memories WHERE user_id = %s AND id = ANY(%s::uuid[]) AND valid_to IS NULL""",
            (user_id, list(memory_ids)),
        ).fetchall()
        return {row["id"]: Memory(**row) for row in rows}

    def nearest_memories(
        self, user_id: str, embedding_model: str, vector: np.ndarray, limit: int
    ) -> list[tuple[Memory, np.ndarray, float]]:
        """Exact cosine search in PostgreSQL: the fallback when the vector index is unavailable."""
        rows = self.db.connection().execute(
            """SELECT id::text, user_id, content, memory_type, importance, created_at, access_count,
                      embedding, 1 - (embedding <=> %s) AS similarity
               FROM memories
               WHERE user_id = %s AND embedding_model = %s AND valid_to IS NULL
               ORDER BY embedding <=> %s LIMIT %s""",
            (vector, user_id, embedding_model, vector, limit),
        ).fetchall()
        out = []
        for row in rows:
            embedding = _array(row.pop("embedding"))
            similarity = float(row.pop("similarity"))
            out.append((Memory(**row, similarity=similarity), embedding, similarity))
        return out

    def record_memory_access(self, user_id: str, memory_ids: Sequence[str], now: datetime) -> None:
        if memory_ids:
            self.db.connection().execute(
                """UPDATE memories SET access_count = access_count + 1, last_accessed = %s
                   WHERE user_id = %s AND id = ANY(%s::uuid[])""",
                (now, user_id, list(memory_ids)),
            )

    def count_memories(self, user_id: str) -> int:
        row = self.db.connection().execute(
            "SELECT count(*) AS n FROM memories WHERE user_id = %s AND valid_to IS NULL", (user_id,)
        ).fetchone()
        return int(row["n"])

    def recent_exchanges(self, user_id: str, limit: int) -> list[StoredInteraction]:
        """The user's last ``limit`` interactions, oldest first."""
        rows = self.db.connection().execute(
            """SELECT * FROM (
                   SELECT id, user_id, user_message, agent_response, timestamp, pad_before,
                          pad_after, llm_model_used, interaction_key
                   FROM interactions WHERE user_id = %s ORDER BY timestamp DESC, id DESC LIMIT %s
               ) recent ORDER BY timestamp, id""",
            (user_id, limit),
        ).fetchall()
        return [StoredInteraction(**row) for row in rows]

    def current_session(self, user_id: str, now: datetime, idle_minutes: int) -> tuple[str | None, int]:
        """(session id, messages so far) of the conversation still open at ``now``; (None, 0)
        when the last message is older than ``idle_minutes``."""
        row = self.db.connection().execute(
            """SELECT session_id::text, timestamp, conversation_length FROM interactions
               WHERE user_id = %s ORDER BY timestamp DESC, id DESC LIMIT 1""",
            (user_id,),
        ).fetchone()
        if row is None or (now - row["timestamp"]).total_seconds() > idle_minutes * 60:
            return None, 0
        return row["session_id"], int(row["conversation_length"] or 1)
