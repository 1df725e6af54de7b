"""Applies migrations/NNN_name.sql in order, once each, recorded in schema_migrations.

One runner for every environment: the local runtime and tests call it directly, AWS runs it from
the migrate function (a CloudFormation custom resource). An advisory lock serialises concurrent
runners; each file runs in its own transaction, so a failing migration leaves nothing half-done.
A recorded migration whose file has since changed is an error, never silently skipped.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
import psycopg.errors

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_LOCK_ID = 7_461_001  # arbitrary, fixed: identifies "companion migrations" among advisory locks


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path | str) -> list[Migration]:
    directory = Path(directory)
    if not directory.is_dir():
        raise MigrationError(f"migrations directory {directory} does not exist")
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNN_snake_case.sql")
        found.append(Migration(match.group(1), path.name, path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions in {directory}")
    return found


def apply_migrations(conninfo: str, directory: Path | str, *, connect_timeout: float = 10,
                     lock_timeout: float = 30, statement_timeout: float | None = None) -> list[str]:
    """Apply pending migrations; returns the names applied (empty when up to date).

    Every wait is bounded, so a deploy fails fast instead of hanging its stack: connecting (a VPC
    without a route to the database), taking the runner lock or any table lock a migration needs
    (``lock_timeout``: a long transaction elsewhere), and each statement (``statement_timeout``,
    set by the migrate function from its remaining time)."""
    migrations = discover(directory)
    applied_now: list[str] = []
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=max(1, int(connect_timeout))) as conn:
        conn.execute("SELECT set_config('lock_timeout', %s, false)", (f"{int(lock_timeout * 1000)}ms",))
        if statement_timeout:
            conn.execute("SELECT set_config('statement_timeout', %s, false)", (f"{int(statement_timeout * 1000)}ms",))
        try:
            conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
        except psycopg.errors.LockNotAvailable as error:
            raise MigrationError(
                f"another migration run has held the migrations lock for over {lock_timeout:g}s; "
                "retry the deploy when it has finished") from error
        try:
            conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version VARCHAR(10) PRIMARY KEY,
                       name TEXT NOT NULL,
                       checksum CHAR(64) NOT NULL,
                       applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())"""
            )
            done = {
                row[0]: (row[1], row[2])
                for row in conn.execute("SELECT version, name, checksum FROM schema_migrations")
            }
            for migration in migrations:
                if migration.version in done:
                    name, checksum = done[migration.version]
                    if checksum != migration.checksum:
                        raise MigrationError(
                            f"{migration.name} was changed after it was applied (as {name}); "
                            "write a new migration instead of editing an applied one"
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                log.info("applied migration %s", migration.name)
                applied_now.append(migration.name)
        finally:
            if not conn.broken:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
    return applied_now
