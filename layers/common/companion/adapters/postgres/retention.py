"""The retention purge's statements over memories and the records built from them.

Across users (``Database.unscoped``), in bounded batches: a batch is a run of users in id order,
each user's memories past their retention (their own ``data_retention_days``, else the
deployment's; never a pinned fact, which only /forget removes) read through the (user_id,
created_at) index, at most ``per_user`` of them (a user
with more is visited again). Deleting a memory deletes its BM25 postings and lexicon counts (the
trigger of migrations 031-032) and releases the sources of a deleted summary
(``consolidated_into`` is ON DELETE SET NULL).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from psycopg.types.json import Jsonb

from .database import Database

# The retention a user has: their own, else the deployment's (a parameter of every statement).
_DAYS = "coalesce(p.data_retention_days, %(default_days)s)"


@dataclass(frozen=True)
class ExpiredMemory:
    user_id: str
    id: str
    texts: tuple[str, ...]  # what caches may be keyed by: the content and the embedded text
    summary: bool = False  # a summary deleted because a memory it was made of expired


@dataclass(frozen=True)
class ExpiredBatch:
    memories: list[ExpiredMemory]
    last_user: str | None  # where the next batch starts (after this user)
    done: bool  # no user after this batch


class RetentionRepository:
    def __init__(self, db: Database):
        self.db = db

    def expired_memories(self, now: datetime, default_days: int, *, after_user: str | None, users: int,
                         per_user: int) -> ExpiredBatch:
        """The next ``users`` users' memories past their retention, and the summaries built from
        any of them (a summary holds its sources' words: it goes with the first of them to
        expire; the others become plain memories again)."""
        with self.db.unscoped() as conn:
            profiles = conn.execute(
                f"""SELECT p.user_id, {_DAYS} AS days FROM user_profiles p
                    WHERE %(after)s::text IS NULL OR p.user_id > %(after)s
                    ORDER BY p.user_id LIMIT %(users)s""",
                {"default_days": default_days, "after": after_user, "users": users},
            ).fetchall()
            if not profiles:
                return ExpiredBatch([], after_user, True)
            rows = conn.execute(
                """SELECT u.user_id, m.id::text AS id, m.content, m.embedding_input,
                          m.consolidated_into::text AS summary_id
                   FROM unnest(%(users)s::text[], %(days)s::int[]) AS u(user_id, days)
                   CROSS JOIN LATERAL (
                       SELECT id, content, embedding_input, consolidated_into FROM memories m
                       WHERE m.user_id = u.user_id AND m.created_at < %(now)s - make_interval(days => u.days)
                         AND NOT m.pinned
                       ORDER BY m.created_at LIMIT %(per_user)s) m""",
                {"users": [p["user_id"] for p in profiles], "days": [p["days"] for p in profiles],
                 "now": now, "per_user": per_user},
            ).fetchall()
            expired_ids = {r["id"] for r in rows}
            summary_ids = sorted({r["summary_id"] for r in rows if r["summary_id"]} - expired_ids)
            summaries = conn.execute(
                """SELECT user_id, id::text AS id, content, embedding_input FROM memories
                   WHERE id = ANY(%s::uuid[])""",
                (summary_ids,),
            ).fetchall() if summary_ids else []
        # A user with ``per_user`` memories past it may have more: the batch ends with them, and
        # the next one starts with them again (this batch's are deleted by then).
        taken: dict[str, int] = {}
        for r in rows:
            taken[r["user_id"]] = taken.get(r["user_id"], 0) + 1
        order = [p["user_id"] for p in profiles]
        stop = next((i for i, user in enumerate(order) if taken.get(user, 0) >= per_user), None)
        if stop is None:
            last, done = order[-1], len(order) < users
        else:
            keep = set(order[:stop + 1])
            rows = [r for r in rows if r["user_id"] in keep]
            last, done = (order[stop - 1] if stop else after_user), False
        memories = [ExpiredMemory(r["user_id"], r["id"], _texts(r)) for r in rows]
        kept_ids = {m.id for m in memories}
        memories += [ExpiredMemory(s["user_id"], s["id"], _texts(s), summary=True) for s in summaries
                     if any(r["summary_id"] == s["id"] and r["id"] in kept_ids for r in rows)]
        return ExpiredBatch(memories, last, done)

    def delete_memories(self, memories: Sequence[ExpiredMemory]) -> dict[str, int]:
        """One transaction: the conflict records naming any of them, then the memories."""
        if not memories:
            return {"memories": 0, "summaries": 0, "memory_conflicts": 0}
        users = sorted({m.user_id for m in memories})
        ids = [m.id for m in memories]
        with self.db.unscoped() as tx:
            conflicts = tx.execute(
                """DELETE FROM memory_conflicts WHERE user_id = ANY(%s)
                   AND (primary_memory_id = ANY(%s) OR conflicting_memory_id = ANY(%s))""",
                (users, ids, ids),
            ).rowcount
            deleted = tx.execute("DELETE FROM memories WHERE id = ANY(%s::uuid[])", (ids,)).rowcount
        summaries = sum(1 for m in memories if m.summary)
        return {"memories": deleted - summaries, "summaries": summaries, "memory_conflicts": conflicts}

    def explanations_quoting_expired(self, now: datetime, default_days: int, limit: int) -> list[dict[str, Any]]:
        """/why records that still quote a memory past their user's retention, with the cutoff."""
        with self.db.unscoped() as conn:
            shortest = conn.execute(
                f"SELECT min({_DAYS}) AS days FROM user_profiles p", {"default_days": default_days},
            ).fetchone()["days"]
            if shortest is None:
                return []
            return conn.execute(
                f"""SELECT i.id, i.explanation, i.agent_response,
                           %(now)s - make_interval(days => {_DAYS}) AS cutoff
                    FROM interactions i JOIN user_profiles p ON p.user_id = i.user_id
                    WHERE i.recalled_since < %(now)s - make_interval(days => %(shortest)s)
                      AND i.recalled_since < %(now)s - make_interval(days => {_DAYS})
                    ORDER BY i.recalled_since LIMIT %(limit)s""",
                {"default_days": default_days, "now": now, "shortest": shortest, "limit": limit},
            ).fetchall()

    def existing(self, memory_ids: Sequence[str]) -> dict[str, bool]:
        """Which of these memories still exist: id -> whether it is pinned."""
        if not memory_ids:
            return {}
        with self.db.unscoped() as conn:
            rows = conn.execute("SELECT id::text AS id, pinned FROM memories WHERE id = ANY(%s::uuid[])",
                                (list(memory_ids),)).fetchall()
        return {r["id"]: r["pinned"] for r in rows}

    def set_explanations(self, records: Sequence[tuple[int, dict[str, Any], str | None]]) -> int:
        """(interaction id, its /why record, its reply) for each record cleared."""
        if not records:
            return 0
        with self.db.unscoped() as tx:
            return tx.execute(
                """UPDATE interactions i SET explanation = r.explanation, agent_response = r.reply
                   FROM unnest(%s::int[], %s::jsonb[], %s::text[]) AS r(id, explanation, reply)
                   WHERE i.id = r.id""",
                ([i for i, _, _ in records], [Jsonb(e) for _, e, _ in records], [t for _, _, t in records]),
            ).rowcount


def _texts(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(t for t in dict.fromkeys((row["content"], row.get("embedding_input"))) if t)
