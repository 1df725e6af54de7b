"""A user's data as a whole: export it, erase it, and prove the erasure.

The tables are found in the catalogue (every table of the schema with a ``user_id`` column), not
listed here: a table added by a later migration is exported and erased without anyone
remembering to add it. Deletes run children first (foreign keys between those tables decide the
order), all in one transaction scoped to the user.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from psycopg import sql

from .database import Database

# Column types that are derived data, not something the person said or did.
_DERIVED_TYPES = {"vector", "tsvector", "halfvec", "sparsevec"}


def _plain(value: Any) -> Any:
    """A JSON-ready value."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


class UserDataRepository:
    def __init__(self, db: Database):
        self.db = db

    def user_tables(self, conn) -> list[str]:
        """Tables with a user_id column, children before the parents they reference."""
        tables = [r["table_name"] for r in conn.execute(
            """SELECT c.table_name FROM information_schema.columns c
               JOIN information_schema.tables t
                 ON t.table_schema = c.table_schema AND t.table_name = c.table_name
               WHERE c.table_schema = current_schema() AND c.column_name = 'user_id'
                 AND t.table_type = 'BASE TABLE'
               ORDER BY c.table_name"""
        ).fetchall()]
        edges = conn.execute(
            """SELECT DISTINCT child.relname AS child, parent.relname AS parent
               FROM pg_constraint fk
               JOIN pg_class child ON child.oid = fk.conrelid
               JOIN pg_class parent ON parent.oid = fk.confrelid
               WHERE fk.contype = 'f' AND child.oid <> parent.oid
                 AND child.relnamespace = current_schema()::regnamespace"""
        ).fetchall()
        parents_of = {t: {e["parent"] for e in edges if e["child"] == t and e["parent"] in tables} for t in tables}
        children_of = {t: {c for c, ps in parents_of.items() if t in ps} for t in tables}
        ordered, placed = [], set()
        while len(ordered) < len(tables):
            ready = [t for t in tables if t not in placed and children_of[t] <= placed]
            if not ready:  # a cycle: fall back to name order for the rest
                ready = [t for t in tables if t not in placed]
            for t in ready:
                ordered.append(t)
                placed.add(t)
        return ordered

    def _columns(self, conn, table: str) -> list[str]:
        rows = conn.execute(
            """SELECT column_name, udt_name FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position""",
            (table,),
        ).fetchall()
        return [r["column_name"] for r in rows if r["udt_name"] not in _DERIVED_TYPES]

    def export_user(self, user_id: str) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        with self.db.scoped(user_id) as conn:
            for table in sorted(self.user_tables(conn)):
                columns = self._columns(conn, table)
                order = "id" if "id" in columns else columns[0]
                rows = conn.execute(
                    sql.SQL("SELECT {} FROM {} WHERE user_id = %s ORDER BY {}").format(
                        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table),
                        sql.Identifier(order),
                    ),
                    (user_id,),
                ).fetchall()
                out[table] = [{k: _plain(v) for k, v in row.items()} for row in rows]
        return out

    def erase_user(self, user_id: str) -> dict[str, int]:
        deleted: dict[str, int] = {}
        with self.db.scoped(user_id) as tx:
            # First the user's row, FOR UPDATE: a job writing for this user (which takes it FOR NO
            # KEY UPDATE, database.lock_user) finishes before, and one after finds no user.
            tx.execute("SELECT 1 FROM user_profiles WHERE user_id = %s FOR UPDATE", (user_id,))
            for table in self.user_tables(tx):
                cursor = tx.execute(
                    sql.SQL("DELETE FROM {} WHERE user_id = %s").format(sql.Identifier(table)), (user_id,)
                )
                deleted[table] = cursor.rowcount
        return deleted

    def remaining_rows(self, user_id: str) -> dict[str, int]:
        with self.db.scoped(user_id) as conn:
            tables = self.user_tables(conn)
            if not tables:
                return {}
            query = sql.SQL(" UNION ALL ").join(
                sql.SQL("SELECT {} AS t, count(*) AS n FROM {} WHERE user_id = %s").format(
                    sql.Literal(t), sql.Identifier(t)
                )
                for t in tables
            )
            rows = conn.execute(query, [user_id] * len(tables)).fetchall()
        return {r["t"]: int(r["n"]) for r in rows}
