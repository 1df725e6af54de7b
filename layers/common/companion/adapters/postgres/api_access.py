"""The REST API's own state: API keys (operator data, no user rows) and idempotency records
(per user, row-level secured like every user-owned table)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Sequence

from psycopg.types.json import Jsonb

from ...domain.api_access import ApiKey, IdempotencyRecord
from .database import Database

_KEY_COLUMNS = "key_id, key_hash, role, user_ids, label, created_at, revoked_at"


class ApiKeyRepository:
    """Keys are looked up before any user is known, so these run unscoped (the table holds no
    user data)."""

    def __init__(self, db: Database):
        self.db = db

    def insert_key(self, key: ApiKey) -> None:
        with self.db.unscoped() as conn:
            conn.execute(
                """INSERT INTO api_keys (key_id, key_hash, role, user_ids, label, created_at)
                   VALUES (%s, %s, %s, %s, %s, %s)""",
                (key.key_id, key.key_hash, key.role, list(key.user_ids), key.label, key.created_at),
            )

    def find_key(self, key_id: str) -> ApiKey | None:
        with self.db.unscoped() as conn:
            row = conn.execute(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE key_id = %s", (key_id,)).fetchone()
        return _key(row) if row else None

    def list_keys(self) -> list[ApiKey]:
        with self.db.unscoped() as conn:
            rows = conn.execute(f"SELECT {_KEY_COLUMNS} FROM api_keys ORDER BY created_at, key_id").fetchall()
        return [_key(row) for row in rows]

    def revoke_key(self, key_id: str, now: datetime) -> bool:
        with self.db.unscoped() as conn:
            done = conn.execute(
                "UPDATE api_keys SET revoked_at = %s WHERE key_id = %s AND revoked_at IS NULL", (now, key_id)
            )
        return done.rowcount == 1


def _key(row: dict) -> ApiKey:
    return ApiKey(**{**row, "user_ids": tuple(row["user_ids"] or ())})


class IdempotencyRepository:
    def __init__(self, db: Database):
        self.db = db

    def claim(self, user_id: str, key: str, request_hash: str, now: datetime,
              stale_after: timedelta) -> IdempotencyRecord | None:
        """Record that a request with this key is running. None when this call claimed the key;
        otherwise the record already there (answered, or still running). A running claim older
        than ``stale_after`` (its request died) is taken over."""
        with self.db.scoped(user_id) as conn:
            inserted = conn.execute(
                """INSERT INTO api_idempotency (user_id, idempotency_key, request_hash, created_at)
                   VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1""",
                (user_id, key, request_hash, now),
            ).fetchone()
            if inserted:
                return None
            row = conn.execute(
                """SELECT user_id, idempotency_key, request_hash, response, created_at, completed_at
                   FROM api_idempotency WHERE user_id = %s AND idempotency_key = %s FOR UPDATE""",
                (user_id, key),
            ).fetchone()
            record = IdempotencyRecord(**row)
            if (record.response is None and record.request_hash == request_hash
                    and now - record.created_at > stale_after):
                conn.execute(
                    """UPDATE api_idempotency SET created_at = %s
                       WHERE user_id = %s AND idempotency_key = %s""",
                    (now, user_id, key),
                )
                return None
            return record

    def complete(self, user_id: str, key: str, response: dict[str, Any], now: datetime) -> None:
        with self.db.scoped(user_id) as conn:
            conn.execute(
                """UPDATE api_idempotency SET response = %s, completed_at = %s
                   WHERE user_id = %s AND idempotency_key = %s""",
                (Jsonb(response), now, user_id, key),
            )

    def release(self, user_id: str, key: str) -> None:
        """Forget an unanswered claim (its request failed), so a retry runs again."""
        with self.db.scoped(user_id) as conn:
            conn.execute(
                """DELETE FROM api_idempotency
                   WHERE user_id = %s AND idempotency_key = %s AND response IS NULL""",
                (user_id, key),
            )

    def purge_idempotency(self, older_than: datetime) -> int:
        """Cross-user housekeeping (POST /admin/cleanup)."""
        with self.db.unscoped() as conn:
            done = conn.execute("DELETE FROM api_idempotency WHERE created_at < %s", (older_than,))
        return done.rowcount


__all__: Sequence[str] = ["ApiKeyRepository", "IdempotencyRepository"]
