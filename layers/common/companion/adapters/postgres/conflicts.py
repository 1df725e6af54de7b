"""Memory conflicts (003_memory_conflicts.sql) and the validity of the memories they involve."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from psycopg.types.json import Jsonb

from ...domain.conflicts import Verdict
from ...domain.models import Memory
from ...ports import StoredConflict
from . import vectors
from .database import Database

_MEMORY = """m.id::text, m.user_id, m.content, m.memory_type, m.importance, m.created_at, m.access_count,
             m.valid_to, m.consolidated_into::text"""


TERM_POSTINGS = 20  # per cue term, the memories it weighs most in


class ConflictRepository:
    def __init__(self, db: Database):
        self.db = db

    def similar_current_memories(
        self, user_id: str, embedding_model: str, vector: np.ndarray, exclude_id: str, min_similarity: float,
        limit: int,
    ) -> list[Memory]:
        """The user's current memories most similar to ``vector`` (adapters/postgres/vectors.py)."""
        with self.db.scoped(user_id) as conn:
            rows = vectors.nearest(conn, _MEMORY, user_id=user_id, embedding_model=embedding_model, vector=vector,
                                   limit=limit, where="AND m.id <> %s::uuid", params=(exclude_id,))
        return [Memory(**row) for row in rows if row["similarity"] >= min_similarity]

    def current_memories_with_terms(self, user_id: str, terms: list[str], exclude_id: str, limit: int) -> list[Memory]:
        """Current episodic memories holding any of ``terms``, newest first: the BM25 postings
        (migration 032, a btree that row-level security can use) name the candidates, each term's
        best ``TERM_POSTINGS`` by weight (short statements first), then the rows by primary key."""
        if not terms:
            return []
        with self.db.scoped(user_id) as conn:
            ids = [row["id"] for row in conn.execute(
                """SELECT DISTINCT p.memory_id AS id FROM unnest(%s::text[]) AS q(term)
                   CROSS JOIN LATERAL (SELECT memory_id FROM memory_postings
                                       WHERE user_id = %s AND term = q.term
                                       ORDER BY weight DESC LIMIT %s) p""",
                (terms, user_id, TERM_POSTINGS)).fetchall()]
            if not ids:
                return []
            rows = conn.execute(
                f"""SELECT {_MEMORY} FROM memories m
                    WHERE m.user_id = %s AND m.id = ANY(%s::uuid[]) AND m.id <> %s::uuid
                      AND m.valid_to IS NULL AND m.memory_type = 'episodic'
                    ORDER BY m.created_at DESC, m.id LIMIT %s""",
                (user_id, ids, exclude_id, limit)).fetchall()
        return [Memory(**row) for row in rows]

    def memory_to_check(self, user_id: str, memory_id: str, embedding_model: str) -> tuple[Memory, np.ndarray] | None:
        """A current episodic memory with its stored vector (of this embedder), for the
        after-reply conflict check; None when it is gone, replaced, not episodic or not embedded."""
        with self.db.scoped(user_id) as conn:
            found = vectors.current_with_vector(conn, _MEMORY, user_id=user_id, memory_id=memory_id,
                                                embedding_model=embedding_model)
        return None if found is None else (Memory(**found[0]), found[1])

    def record(self, user_id: str, new: Memory, old: Memory, verdict: Verdict, context: dict[str, Any],
               now: datetime) -> int | None:
        """One row per (new, old) pair; a temporal-precedence verdict closes the older memory in
        the same transaction. None when the pair was already recorded."""
        resolve = verdict.resolve_automatically
        with self.db.scoped(user_id) as tx:
            row = tx.execute(
                """INSERT INTO memory_conflicts (user_id, conflict_type, description, confidence,
                       primary_memory_id, conflicting_memory_id, status, resolution_method,
                       resolution_notes, detected_at, resolved_at, conversation_context)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (user_id, primary_memory_id, conflicting_memory_id) DO NOTHING
                   RETURNING id""",
                (user_id, verdict.conflict_type, verdict.description or verdict.conflict_type,
                 verdict.confidence, new.id, old.id,
                 "resolved" if resolve else "investigating",
                 "temporal_precedence" if resolve else None,
                 "the newer statement replaces the older; the older is kept as history" if resolve else None,
                 now, now if resolve else None, Jsonb({**context, "method": verdict.method})),
            ).fetchone()
            if row and resolve:
                older = old if old.created_at <= new.created_at else new
                newer = new if older is old else old
                self._close(tx, user_id, older.id, newer.created_at)
        return row["id"] if row else None

    @staticmethod
    def _close(tx, user_id: str, memory_id: str, valid_to: datetime) -> None:
        tx.execute("UPDATE memories SET valid_to = %s WHERE user_id = %s AND id = %s AND valid_to IS NULL",
                   (valid_to, user_id, memory_id))

    def _conflict(self, conn, user_id: str, where: str) -> StoredConflict | None:
        """The newest open conflict whose two memories still exist. In two steps: under row-level
        security a join from the conflict's text ids to memories cannot use the primary key (the
        cast is not LEAKPROOF) and scanned every memory of the user; ids passed as parameters can."""
        conflicts = conn.execute(
            f"""SELECT c.id, c.primary_memory_id AS new_id, c.conflicting_memory_id AS old_id, c.user_notified
                FROM memory_conflicts c
                WHERE c.user_id = %s AND c.status = 'investigating' AND {where}
                ORDER BY c.detected_at DESC, c.id DESC""",
            (user_id,),
        ).fetchall()
        for c in conflicts:
            content = {row["id"]: row["content"] for row in conn.execute(
                "SELECT id::text, content FROM memories WHERE user_id = %s AND id = ANY(%s::uuid[])",
                (user_id, [c["new_id"], c["old_id"]]),
            ).fetchall()}
            if c["new_id"] in content and c["old_id"] in content:
                return StoredConflict(**c, new_content=content[c["new_id"]], old_content=content[c["old_id"]])
        return None

    def unasked(self, user_id: str) -> StoredConflict | None:
        with self.db.scoped(user_id) as conn:
            return self._conflict(conn, user_id, "NOT c.user_notified")

    def awaiting_answer(self, user_id: str) -> StoredConflict | None:
        with self.db.scoped(user_id) as conn:
            return self._conflict(conn, user_id, "c.user_notified")

    def mark_asked(self, user_id: str, conflict_id: int, interaction_key: str, now: datetime) -> None:
        with self.db.scoped(user_id) as tx:
            tx.execute(
                """UPDATE memory_conflicts SET user_notified = TRUE,
                       conversation_context = coalesce(conversation_context, '{}'::jsonb) || %s
                   WHERE user_id = %s AND id = %s""",
                (Jsonb({"asked_in": interaction_key, "asked_at": now.isoformat()}), user_id, conflict_id),
            )

    def resolve_by_user(self, user_id: str, conflict: StoredConflict, keep: str, answer: str,
                        now: datetime) -> list[str]:
        """Apply the user's answer ("new", "old", "both", "unclear"); returns the ids of memories
        that stopped being current (to be taken out of the vector index)."""
        closed: list[str] = []
        with self.db.scoped(user_id) as tx:
            if keep in ("new", "old"):
                loser = conflict.old_id if keep == "new" else conflict.new_id
                self._close(tx, user_id, loser, now)
                closed.append(loser)
            status, notes = {
                "new": ("resolved", "the user confirmed the newer statement"),
                "old": ("resolved", "the user confirmed the older statement"),
                "both": ("resolved", "the user said both are true"),
                "unclear": ("ignored", "the user's answer did not settle it; both kept"),
            }[keep]
            tx.execute(
                """UPDATE memory_conflicts SET status = %s, resolution_method = 'user_clarification',
                       resolution_notes = %s, resolved_at = %s,
                       conversation_context = coalesce(conversation_context, '{}'::jsonb) || %s
                   WHERE user_id = %s AND id = %s""",
                (status, notes, now, Jsonb({"answer": answer[:500]}), user_id, conflict.id),
            )
        return closed

    def superseded_ids(self, user_id: str, memory_ids: list[str]) -> set[str]:
        """Which of these memories a newer fact has replaced (valid_to set)."""
        if not memory_ids:
            return set()
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                """SELECT id::text FROM memories WHERE user_id = %s AND id = ANY(%s::uuid[])
                   AND valid_to IS NOT NULL""",
                (user_id, list(memory_ids)),
            ).fetchall()
        return {row["id"] for row in rows}

    def history_for(self, user_id: str, memory_ids: list[str]) -> dict[str, list[Memory]]:
        """For each current memory, the older memories it replaced (newest first)."""
        if not memory_ids:
            return {}
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT c.primary_memory_id AS current_id, {_MEMORY}
                    FROM memory_conflicts c
                    JOIN memories m ON m.user_id = c.user_id AND m.id = c.conflicting_memory_id::uuid
                    WHERE c.user_id = %s AND c.status = 'resolved' AND m.valid_to IS NOT NULL
                      AND c.primary_memory_id = ANY(%s)
                    ORDER BY m.created_at DESC""",
                (user_id, list(memory_ids)),
            ).fetchall()
        out: dict[str, list[Memory]] = {}
        for row in rows:
            current = row.pop("current_id")
            out.setdefault(current, []).append(Memory(**row))
        return out
