"""Consolidation's reads and writes: unconsolidated episodic memories, the semantic memory and
the links from its sources (memories.consolidated_into)."""
from __future__ import annotations

from typing import Sequence

from ...domain.models import Memory, MemoryRecord
from .database import Database

_COLUMNS = """id::text, user_id, content, memory_type, importance, created_at, access_count, valid_to,
              consolidated_into::text"""


class ConsolidationRepository:
    def __init__(self, db: Database):
        self.db = db

    def unconsolidated_episodic(self, user_id: str, limit: int) -> list[Memory]:
        """Current episodic memories not yet in a summary, newest first; never a pinned fact
        (the person asked to keep it as they said it)."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT {_COLUMNS} FROM memories
                    WHERE user_id = %s AND memory_type = 'episodic' AND valid_to IS NULL
                      AND consolidated_into IS NULL AND NOT pinned
                    ORDER BY created_at DESC LIMIT %s""",
                (user_id, limit),
            ).fetchall()
        return [Memory(**row) for row in rows]

    def save_summary(self, user_id: str, summary: MemoryRecord, source_ids: Sequence[str], insert) -> bool:
        """The semantic memory and its sources' links, in one transaction; False (and nothing
        changed) when any source was consolidated meanwhile (a concurrent run)."""
        with self.db.scoped(user_id) as tx:
            free = len(tx.execute(
                """SELECT id FROM memories WHERE user_id = %s AND id = ANY(%s::uuid[])
                   AND consolidated_into IS NULL AND valid_to IS NULL AND NOT pinned FOR UPDATE""",
                (user_id, list(source_ids)),
            ).fetchall())
            if free != len(source_ids):
                return False
            insert(tx, summary, None)
            tx.execute(
                "UPDATE memories SET consolidated_into = %s WHERE user_id = %s AND id = ANY(%s::uuid[])",
                (summary.id, user_id, list(source_ids)),
            )
        return True

    def summaries_of(self, user_id: str, memory_ids: Sequence[str]) -> dict[str, Memory]:
        """For memories that were consolidated: source id -> the current semantic memory."""
        if not memory_ids:
            return {}
        # In two steps, by primary key: under row-level security the self-join may read every
        # memory of the user for its summary side (11 ms a turn at 10k memories).
        with self.db.scoped(user_id) as conn:
            parents = {row["id"]: row["parent"] for row in conn.execute(
                """SELECT id::text, consolidated_into::text AS parent FROM memories
                   WHERE user_id = %s AND id = ANY(%s::uuid[]) AND consolidated_into IS NOT NULL""",
                (user_id, list(memory_ids)),
            ).fetchall()}
            if not parents:
                return {}
            summaries = {row["id"]: Memory(**row) for row in conn.execute(
                f"""SELECT {_COLUMNS} FROM memories
                    WHERE user_id = %s AND id = ANY(%s::uuid[]) AND valid_to IS NULL""",
                (user_id, sorted(set(parents.values()))),
            ).fetchall()}
        return {source: summaries[parent] for source, parent in parents.items() if parent in summaries}

    def sources_of(self, user_id: str, semantic_ids: Sequence[str]) -> dict[str, list[Memory]]:
        if not semantic_ids:
            return {}
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT {_COLUMNS} FROM memories WHERE user_id = %s AND consolidated_into = ANY(%s::uuid[])
                    ORDER BY created_at""",
                (user_id, list(semantic_ids)),
            ).fetchall()
        out: dict[str, list[Memory]] = {}
        for row in rows:
            out.setdefault(row["consolidated_into"], []).append(Memory(**row))
        return out
