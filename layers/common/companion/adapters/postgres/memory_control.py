"""The user's control over single memories: find them by short id or by words, and forget them
with everything built from them."""
from __future__ import annotations

import re
from typing import Sequence

from ...domain.lexical import terms as lexical_terms
from ...domain.models import Memory
from ...ports import Forgetting, ForgottenMemory, RecordedReply
from .database import Database

_COLUMNS = """id::text, user_id, content, memory_type, importance, created_at, access_count,
              valid_to, consolidated_into::text"""
REDACTED = "[forgotten at the user's request]"
SHORT_ID = re.compile(r"^[0-9a-f]{4,32}$")


class MemoryControlRepository:
    def __init__(self, db: Database):
        self.db = db

    def find_by_short_id(self, user_id: str, prefix: str) -> list[Memory]:
        prefix = prefix.lower().replace("-", "")
        if not SHORT_ID.match(prefix):
            return []
        # A prefix is a range of ids: read through the primary key (uuid comparisons are
        # LEAKPROOF, so row-level security lets the index serve them; a LIKE on the text would
        # read every memory of the user).
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT {_COLUMNS} FROM memories
                    WHERE user_id = %s AND id BETWEEN %s::uuid AND %s::uuid
                    ORDER BY created_at LIMIT 10""",
                (user_id, prefix.ljust(32, "0"), prefix.ljust(32, "f")),
            ).fetchall()
        return [Memory(**row) for row in rows]

    def find_by_words(self, user_id: str, query: str, limit: int) -> list[Memory]:
        """The user's memories whose content holds every word of ``query`` (``plainto_tsquery``),
        current or replaced, oldest first.

        Under row-level security the GIN index on content_tsv is never used (``@@`` is not
        LEAKPROOF, see migration 032), so the words are matched only on candidates read through
        btrees: the current memories holding the query's rarest indexed term (the BM25 postings)
        and the user's replaced memories (migration 033's partial index)."""
        terms = sorted(set(lexical_terms(query)))
        with self.db.scoped(user_id) as conn:
            if not terms:  # only stop words for recall: let the full-text match decide alone
                return self._matching(conn, user_id, query, limit, "TRUE", ())
            rarest = conn.execute(
                """SELECT l.term FROM unnest(%s::text[]) AS q(term)
                   JOIN memory_lexicon l ON l.user_id = %s AND l.term = q.term
                   WHERE l.documents > 0 ORDER BY l.documents, l.term LIMIT 1""",
                (terms, user_id),
            ).fetchone()
            return self._matching(
                conn, user_id, query, limit,
                """id = ANY(ARRAY(SELECT memory_id FROM memory_postings WHERE user_id = %s AND term = %s)
                            || ARRAY(SELECT id FROM memories WHERE user_id = %s AND valid_to IS NOT NULL))""",
                (user_id, rarest["term"] if rarest else None, user_id),
            )

    @staticmethod
    def _matching(conn, user_id: str, query: str, limit: int, candidates: str, params: tuple) -> list[Memory]:
        rows = conn.execute(
            f"""SELECT {_COLUMNS} FROM memories
                WHERE user_id = %s AND {candidates}
                  AND numnode(plainto_tsquery('english', %s)) > 0
                  AND content_tsv @@ plainto_tsquery('english', %s)
                ORDER BY created_at LIMIT %s""",
            (user_id, *params, query, query, limit),
        ).fetchall()
        return [Memory(**row) for row in rows]

    def last_explained_reply(self, user_id: str) -> RecordedReply | None:
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                """SELECT timestamp, user_message, agent_response, explanation FROM interactions
                   WHERE user_id = %s AND explanation IS NOT NULL
                   ORDER BY timestamp DESC, id DESC LIMIT 1""",
                (user_id,),
            ).fetchone()
        return RecordedReply(**row) if row else None

    def forget(self, user_id: str, memory_ids: Sequence[str]) -> Forgetting:
        """One transaction: the memories; the sources of a forgotten summary (it was made of
        them); the repeats merged into a forgotten memory; summaries built from a forgotten memory (they contain it), whose other sources
        become plain memories again; the companion's remembered replies that may repeat it; the
        conflict records naming any of them; and the text of the message a forgotten memory
        came from."""
        ids = list(dict.fromkeys(memory_ids))
        with self.db.scoped(user_id) as tx:
            asked = tx.execute(
                f"SELECT {_COLUMNS} FROM memories WHERE user_id = %s AND id = ANY(%s::uuid[])",
                (user_id, ids),
            ).fetchall()
            semantic = [r["id"] for r in asked if r["memory_type"] == "semantic"]
            parts = tx.execute(
                f"""SELECT {_COLUMNS} FROM memories WHERE user_id = %s
                    AND consolidated_into = ANY(%s::uuid[]) AND NOT id = ANY(%s::uuid[])""",
                (user_id, semantic, ids),
            ).fetchall()
            # Repeats merged into a forgotten memory (migration 082) are the same words said again.
            repeats = tx.execute(
                f"""SELECT {_COLUMNS} FROM memories WHERE user_id = %s
                    AND merged_into = ANY(%s::uuid[]) AND NOT id = ANY(%s::uuid[])""",
                (user_id, [r["id"] for r in asked + parts], ids),
            ).fetchall()
            forgotten = asked + parts + repeats
            forgotten_ids = [r["id"] for r in forgotten]
            summaries = tx.execute(
                f"""SELECT {_COLUMNS} FROM memories WHERE user_id = %s
                    AND id = ANY(%s::uuid[]) AND NOT id = ANY(%s::uuid[])""",
                (user_id, [r["consolidated_into"] for r in forgotten if r["consolidated_into"]], forgotten_ids),
            ).fetchall()
            # The companion's replies remembered from those exchanges: the reply to a forgotten
            # message, and replies composed with a forgotten memory in their prompt (/why's
            # record names it); either may repeat it.
            replies = tx.execute(
                f"""SELECT {_COLUMNS} FROM memories r WHERE r.user_id = %s AND r.author = 'companion'
                    AND NOT r.id = ANY(%s::uuid[]) AND r.source_interaction_id IN (
                        SELECT m.source_interaction_id FROM memories m
                        WHERE m.user_id = %s AND m.id = ANY(%s::uuid[])
                        UNION
                        SELECT i.id FROM interactions i, jsonb_array_elements(i.explanation->'memories') e
                        WHERE i.user_id = %s AND i.explanation ? 'memories' AND e->>'id' = ANY(%s))""",
                (user_id, forgotten_ids, user_id, forgotten_ids, user_id, forgotten_ids),
            ).fetchall()
            removed_ids = forgotten_ids + [r["id"] for r in summaries] + [r["id"] for r in replies]
            released = tx.execute(
                """UPDATE memories SET consolidated_into = NULL
                   WHERE user_id = %s AND consolidated_into = ANY(%s::uuid[]) AND NOT id = ANY(%s::uuid[])""",
                (user_id, [r["id"] for r in summaries], removed_ids),
            ).rowcount
            redacted = tx.execute(
                """UPDATE interactions i SET user_message = %s
                   FROM memories m
                   WHERE m.user_id = %s AND m.id = ANY(%s::uuid[]) AND i.user_id = %s
                     AND i.id = m.source_interaction_id AND i.user_message = m.content""",
                (REDACTED, user_id, forgotten_ids, user_id),
            ).rowcount
            for row in forgotten:  # replies that quoted it word for word
                redacted += tx.execute(
                    """UPDATE interactions SET agent_response = replace(agent_response, %s, %s)
                       WHERE user_id = %s AND strpos(agent_response, %s) > 0""",
                    (row["content"], REDACTED, user_id, row["content"]),
                ).rowcount
            # /why records keep the forgotten memory's id (it was in that prompt), not its text.
            tx.execute(
                """UPDATE interactions SET explanation = jsonb_set(explanation, '{memories}', (
                       SELECT coalesce(jsonb_agg(CASE WHEN e->>'id' = ANY(%s)
                           THEN jsonb_build_object('id', e->'id', 'forgotten', true, 'similarity', e->'similarity')
                           ELSE e END ORDER BY n), '[]'::jsonb)
                       FROM jsonb_array_elements(explanation->'memories') WITH ORDINALITY AS x(e, n)))
                   WHERE user_id = %s AND explanation ? 'memories' AND EXISTS (
                       SELECT 1 FROM jsonb_array_elements(explanation->'memories') e WHERE e->>'id' = ANY(%s))""",
                (removed_ids, user_id, removed_ids),
            )
            tx.execute(
                """DELETE FROM memory_conflicts WHERE user_id = %s
                   AND (primary_memory_id = ANY(%s) OR conflicting_memory_id = ANY(%s))""",
                (user_id, removed_ids, removed_ids),
            )
            tx.execute(
                "DELETE FROM memories WHERE user_id = %s AND id = ANY(%s::uuid[])", (user_id, removed_ids)
            )

        def view(rows):
            return [ForgottenMemory(r["id"], r["content"], r["memory_type"]) for r in rows]

        return Forgetting(view(forgotten), view(summaries), released, redacted, view(replies))
