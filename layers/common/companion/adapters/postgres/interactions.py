"""Interactions: every exchange, its emotional before/after and how it was answered."""
from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb

from ...domain.insights import LoggedTurn
from ...domain.models import StoredInteraction
from .database import Database

_COLUMNS = """id, user_id, user_message, agent_response, timestamp, pad_before, pad_after,
              llm_model_used, interaction_key"""


class InteractionRepository:
    def __init__(self, db: Database):
        self.db = db

    def find_interaction(self, user_id: str, interaction_key: str) -> StoredInteraction | None:
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM interactions WHERE user_id = %s AND interaction_key = %s",
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
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT {_COLUMNS} FROM interactions WHERE user_id = %s
                    ORDER BY timestamp, id LIMIT %s""",
                (user_id, limit),
            ).fetchall()
        return [StoredInteraction(**row) for row in rows]

    def recent_exchanges(self, user_id: str, limit: int) -> list[StoredInteraction]:
        """The user's last ``limit`` interactions, oldest first."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT * FROM (
                       SELECT {_COLUMNS} FROM interactions WHERE user_id = %s
                       ORDER BY timestamp DESC, id DESC LIMIT %s
                   ) recent ORDER BY timestamp, id""",
                (user_id, limit),
            ).fetchall()
        return [StoredInteraction(**row) for row in rows]

    def current_session(self, user_id: str, now: datetime, idle_minutes: int) -> tuple[str | None, int]:
        """(session id, messages so far) of the conversation still open at ``now``; (None, 0)
        when the last message is older than ``idle_minutes``."""
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                """SELECT session_id::text, timestamp, conversation_length FROM interactions
                   WHERE user_id = %s ORDER BY timestamp DESC, id DESC LIMIT 1""",
                (user_id,),
            ).fetchone()
        if row is None or (now - row["timestamp"]).total_seconds() > idle_minutes * 60:
            return None, 0
        return row["session_id"], int(row["conversation_length"] or 1)

    def interactions_since(self, user_id: str, since: datetime, limit: int = 500) -> list[StoredInteraction]:
        """The user's interactions from ``since`` on, oldest first (at most the last ``limit``)."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT * FROM (
                       SELECT {_COLUMNS} FROM interactions WHERE user_id = %s AND timestamp >= %s
                       ORDER BY timestamp DESC, id DESC LIMIT %s
                   ) recent ORDER BY timestamp, id""",
                (user_id, since, limit),
            ).fetchall()
        return [StoredInteraction(**row) for row in rows]

    def conversation_log(self, user_id: str, since: datetime, limit: int = 1000) -> list[LoggedTurn]:
        """What the nightly reflection reads of the conversations since ``since`` (oldest first, at
        most the last ``limit``): when, what was said, the conversation (session) and whether the
        companion started it, and the mood it left (times in UTC)."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                """SELECT * FROM (
                       SELECT timestamp AS at, user_message, agent_response, session_id::text AS session_id,
                              coalesce(is_proactive, false) AS is_proactive,
                              (pad_after->>'pleasure')::float8 AS pleasure_after, id
                       FROM interactions WHERE user_id = %s AND timestamp >= %s
                       ORDER BY timestamp DESC, id DESC LIMIT %s
                   ) recent ORDER BY at, id""",
                (user_id, since, limit),
            ).fetchall()
        return [LoggedTurn(r["at"], r["user_message"] or "", r["agent_response"] or "", r["session_id"],
                           r["is_proactive"], r["pleasure_after"]) for r in rows]
