"""The PostgreSQL connection (Aurora in AWS, embedded locally) and its user-scoped transactions."""
from __future__ import annotations

import logging
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from typing import Callable, Iterator, TypeVar

import numpy as np
import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.datetime import TimestamptzLoader

log = logging.getLogger(__name__)
T = TypeVar("T")
# SQLSTATE class 28: the server refused the credentials (a rotated password, a revoked role).
_AUTH_FAILURE = ("28000", "28P01")


def as_array(value) -> np.ndarray:
    """pgvector hands back its own Vector type; the domain works on float32 arrays."""
    return np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)


class InfinityTimestamptzLoader(TimestamptzLoader):
    """Reads PostgreSQL's ``'infinity'``/``'-infinity'`` timestamps (a proactive check paused or
    never scheduled) as the extreme datetimes instead of failing the whole row (psycopg's
    documented recipe)."""

    def load(self, data):
        if data == b"infinity":
            return datetime.max.replace(tzinfo=timezone.utc)
        if data == b"-infinity":
            return datetime.min.replace(tzinfo=timezone.utc)
        return super().load(data)


class Database:
    """One connection per process (a Lambda container handles one event at a time), opened
    lazily and replaced when it breaks: a connection found dead when a transaction begins is
    replaced before anything runs, and ``run_scoped`` retries a write transaction once.

    Every repository reads and writes inside ``scoped(user_id)``: a transaction that first sets
    ``app.user_id`` with ``SET LOCAL`` semantics, which row-level security policies key on. Jobs
    that work across users (schedules, sweeps) use ``unscoped()`` explicitly.

    Isolation is the database's job (migration 010): each connection drops to ``role``
    (companion_app: no superuser, no BYPASSRLS) right after login, so a query that forgets its
    ``WHERE user_id`` still sees only the scoped user's rows, and none outside ``scoped()``. Pass
    ``role=""`` only when the login itself is such a role."""

    APP_ROLE = "companion_app"
    JOBS_ROLE = "companion_jobs"

    def __init__(self, conninfo: str | Callable[..., str], *, connect_timeout: int = 5, role: str = APP_ROLE):
        """``conninfo`` may be a callable ``(fresh=False) -> str``: it is asked on every (re)connect
        (its secret cache decides when to re-read) and with ``fresh=True`` after the server refused
        the credentials, so a rotated password reaches a warm container."""
        self._conninfo = conninfo
        self._connect_timeout = connect_timeout
        self._role = role
        self._conn: psycopg.Connection | None = None

    def connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            try:
                self._conn = self._connect(fresh=False)
            except psycopg.OperationalError as error:
                if callable(self._conninfo) and _is_auth_failure(error):
                    log.warning("database refused the credentials; re-reading the secret")
                    self._conn = self._connect(fresh=True)
                else:
                    raise
        return self._conn

    def _connect(self, *, fresh: bool) -> psycopg.Connection:
        conninfo = self._conninfo(fresh=fresh) if callable(self._conninfo) else self._conninfo
        conn = psycopg.connect(conninfo, autocommit=True, row_factory=dict_row, connect_timeout=self._connect_timeout)
        if self._role:
            conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(self._role)))
        from pgvector.psycopg import register_vector

        register_vector(conn)
        conn.adapters.register_loader("timestamptz", InfinityTimestamptzLoader)
        return conn

    @contextmanager
    def _transaction(self, setup: Callable[[psycopg.Connection], None] | None = None) -> Iterator[psycopg.Connection]:
        """A transaction on the process's connection. A connection found dead when the transaction
        begins (the server restarted, failed over, or ended an idle session) is replaced once:
        nothing of this transaction has run yet, so beginning it again is always safe."""
        for attempt in (1, 2):
            stack = ExitStack()
            conn = self.connection()
            try:
                stack.enter_context(conn.transaction())
                if setup is not None:
                    setup(conn)
            except psycopg.OperationalError:
                _close_quietly(stack)
                if attempt == 2 or not (conn.broken or conn.closed):
                    raise
                log.warning("database connection was lost; reconnecting")
                self._conn = None
                continue
            with stack:
                yield conn
            return

    def run_scoped(self, user_id: str, work: Callable[[psycopg.Connection], T]) -> T:
        """``work`` in a ``scoped`` transaction, run once more on a fresh connection when the
        connection drops before the commit is acknowledged. The first run either committed
        entirely or not at all; ``work`` must recognise its own rows when it did (write with
        natural keys and ON CONFLICT DO NOTHING), so side effects never apply twice."""
        try:
            with self.scoped(user_id) as conn:
                return work(conn)
        except psycopg.OperationalError:
            if self._conn is not None and not (self._conn.broken or self._conn.closed):
                raise  # a statement failed on a live connection: not a dropped one
            log.warning("database connection dropped during a transaction; retrying it once")
            self._conn = None
            with self.scoped(user_id) as conn:
                return work(conn)

    @contextmanager
    def scoped(self, user_id: str) -> Iterator[psycopg.Connection]:
        """A transaction that sees only ``user_id``'s rows (once RLS policies are in force).
        Nested use joins the outer transaction as a savepoint; the user must not change."""
        if not user_id:
            raise ValueError("a user-scoped transaction needs a user id")
        with self._transaction(lambda conn: conn.execute("SELECT set_config('app.user_id', %s, true)", (user_id,))) as conn:
            yield conn

    @contextmanager
    def unscoped(self) -> Iterator[psycopg.Connection]:
        """A transaction for work across users (scheduled jobs); never used on a user's behalf.
        It runs as companion_jobs (``SET LOCAL ROLE``, undone at commit), the one role whose
        policy shows every user's rows."""
        def as_jobs_role(conn: psycopg.Connection) -> None:
            if self._role:
                conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(self.JOBS_ROLE)))

        with self._transaction(as_jobs_role) as conn:
            yield conn

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None


def lock_user(conn: psycopg.Connection, user_id: str) -> bool:
    """Takes the user's lock for the rest of this transaction: their profile row, FOR NO KEY UPDATE
    (foreign-key checks, FOR KEY SHARE, pass it by). False when the user no longer exists.

    Turns and jobs of one user run side by side (a job never waits in a turn's queue), so every
    write that a turn and a job (or /forget-me) could both make to the same rows takes it first,
    in a short transaction that re-reads what it depends on: the mood (``set_pad``), the baseline
    drift, quirks, and the rows a job adds for a user (reports, evolutions, decisions, a proactive
    message), which must not bring back a user /forget-me erased (``erase_user`` takes the same
    row FOR UPDATE first). No provider is ever called while it is held: a turn waits at most one
    such transaction of its user's job (README, "Jobs beside turns")."""
    return conn.execute("SELECT 1 FROM user_profiles WHERE user_id = %s FOR NO KEY UPDATE",
                        (user_id,)).fetchone() is not None


def _is_auth_failure(error: psycopg.OperationalError) -> bool:
    return getattr(error, "sqlstate", None) in _AUTH_FAILURE or "authentication failed" in str(error)


def _close_quietly(stack: ExitStack) -> None:
    try:
        stack.close()
    except psycopg.Error:
        pass
