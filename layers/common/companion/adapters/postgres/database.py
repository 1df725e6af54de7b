"""The PostgreSQL connection (Aurora in AWS, embedded locally) and its user-scoped transactions."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

log = logging.getLogger(__name__)


def as_array(value) -> np.ndarray:
    """pgvector hands back its own Vector type; the domain works on float32 arrays."""
    return np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)


class Database:
    """One connection per process (a Lambda container handles one event at a time), opened
    lazily and replaced when it breaks, so a database blip fails one turn, not the container.

    Every repository reads and writes inside ``scoped(user_id)``: a transaction that first sets
    ``app.user_id`` with ``SET LOCAL`` semantics, which row-level security policies key on. Jobs
    that work across users (schedules, sweeps) use ``unscoped()`` explicitly.

    Isolation is the database's job (migration 010): each connection drops to ``role``
    (companion_app: no superuser, no BYPASSRLS) right after login, so a query that forgets its
    ``WHERE user_id`` still sees only the scoped user's rows, and none outside ``scoped()``. Pass
    ``role=""`` only when the login itself is such a role."""

    APP_ROLE = "companion_app"
    JOBS_ROLE = "companion_jobs"

    def __init__(self, conninfo: str, *, connect_timeout: int = 5, role: str = APP_ROLE):
        self._conninfo = conninfo
        self._connect_timeout = connect_timeout
        self._role = role
        self._conn: psycopg.Connection | None = None

    def connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(
                self._conninfo,
                autocommit=True,
                row_factory=dict_row,
                connect_timeout=self._connect_timeout,
            )
            if self._role:
                self._conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(self._role)))
            from pgvector.psycopg import register_vector

            register_vector(self._conn)
        return self._conn

    @contextmanager
    def scoped(self, user_id: str) -> Iterator[psycopg.Connection]:
        """A transaction that sees only ``user_id``'s rows (once RLS policies are in force).
        Nested use joins the outer transaction as a savepoint; the user must not change."""
        if not user_id:
            raise ValueError("a user-scoped transaction needs a user id")
        conn = self.connection()
        with conn.transaction():
            conn.execute("SELECT set_config('app.user_id', %s, true)", (user_id,))
            yield conn

    @contextmanager
    def unscoped(self) -> Iterator[psycopg.Connection]:
        """A transaction for work across users (scheduled jobs); never used on a user's behalf.
        It runs as companion_jobs (``SET LOCAL ROLE``, undone at commit), the one role whose
        policy shows every user's rows."""
        conn = self.connection()
        with conn.transaction():
            if self._role:
                conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(self.JOBS_ROLE)))
            yield conn

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None
