"""Memories: the source of truth for what the companion remembers (the vector index is derived)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import numpy as np
import psycopg

from ...domain.lexical import bm25_idf
from ...domain.models import Memory, MemoryRecord
from ...ports import Rankings, VectorHit
from . import vectors
from .database import Database, as_array

_MEMORY_COLUMNS = "id::text, user_id, content, memory_type, importance, created_at, access_count, author, pinned"
_M_COLUMNS = ", ".join(f"m.{c}" for c in _MEMORY_COLUMNS.split(", "))
# The lexical leg ranks about this many candidate memories at most. Query terms are taken rarest
# first while their memories fit; a term too common to fit (a name said in every other memory, a
# date word) still scores the candidates but does not nominate more. With a few hundred memories
# per user nearly every matching memory is a candidate; with 100k the work stays bounded.
LEXICAL_CANDIDATES = 300


class MemoryRepository:
    def __init__(self, db: Database):
        self.db = db

    def insert_memory(
        self, tx: psycopg.Connection, record: MemoryRecord, source_interaction_id: int | None
    ) -> None:
        """A memory without a vector (the embedder was down) keeps its embedding_input instead."""
        embedded = record.vector is not None
        tx.execute(
            """INSERT INTO memories (id, user_id, memory_type, content, importance, created_at,
                   last_accessed, embedding_model, embedding_dim, embedding, embedding_input,
                   source_interaction_id, valid_from, author, author_name, caption, context_text,
                   search_text, search_terms, recipe_version, pinned)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (id) DO NOTHING""",
            (
                record.id, record.user_id, record.memory_type, record.content, record.importance,
                record.created_at, record.created_at,
                record.embedding_model if embedded else None,
                int(record.vector.shape[0]) if embedded else None,
                np.asarray(record.vector, dtype=np.float32) if embedded else None,
                None if embedded else (record.embedding_input or record.content),
                source_interaction_id, record.created_at, record.author, record.author_name,
                record.caption, record.context_text, record.search_text, record.search_terms,
                record.recipe_version, record.pinned,
            ),
        )

    def insert_memories(self, user_id: str, records: Sequence[MemoryRecord]) -> None:
        """Memories not tied to an interaction (imports, benchmarks), in one transaction."""
        with self.db.scoped(user_id) as tx:
            for record in records:
                if record.user_id != user_id:
                    raise ValueError("a memory of another user")
                self.insert_memory(tx, record, None)

    def unembedded_memories(self, user_id: str, limit: int = 100) -> list[tuple[str, str]]:
        """(id, text to embed) of memories saved while the embedder was unavailable, oldest first."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                """SELECT id::text, coalesce(embedding_input, content) AS text FROM memories
                   WHERE user_id = %s AND embedding IS NULL ORDER BY created_at LIMIT %s""",
                (user_id, limit),
            ).fetchall()
        return [(row["id"], row["text"]) for row in rows]

    def set_embeddings(
        self, user_id: str, embedding_model: str, vectors: Sequence[tuple[str, np.ndarray]]
    ) -> None:
        with self.db.scoped(user_id) as tx:
            for memory_id, vector in vectors:
                tx.execute(
                    """UPDATE memories SET embedding = %s, embedding_model = %s, embedding_dim = %s,
                              embedding_input = NULL, indexed_at = NULL
                       WHERE user_id = %s AND id = %s AND embedding IS NULL""",
                    (np.asarray(vector, dtype=np.float32), embedding_model, int(vector.shape[0]),
                     user_id, memory_id),
                )

    def mark_indexed(self, user_id: str, memory_ids: Sequence[str], now: datetime) -> None:
        with self.db.scoped(user_id) as conn:
            conn.execute(
                "UPDATE memories SET indexed_at = %s WHERE user_id = %s AND id = ANY(%s::uuid[])",
                (now, user_id, list(memory_ids)),
            )

    def unindexed_memories(self, user_id: str, embedding_model: str, limit: int = 500) -> list[MemoryRecord]:
        """Up to ``limit`` embedded memories not yet in the search index (after a re-index marked
        them all, a pass after a turn moves one batch, not a whole history)."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                """SELECT id::text, user_id, content, memory_type, importance, embedding_model,
                          embedding AS vector, created_at, author, coalesce(search_terms, '') AS search_terms
                   FROM memories
                   WHERE user_id = %s AND indexed_at IS NULL AND embedding_model = %s LIMIT %s""",
                (user_id, embedding_model, limit),
            ).fetchall()
        return [MemoryRecord(**{**row, "vector": as_array(row["vector"])}) for row in rows]

    def memories_by_ids(self, user_id: str, memory_ids: Sequence[str]) -> dict[str, Memory]:
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT {_MEMORY_COLUMNS} FROM memories
                    WHERE user_id = %s AND id = ANY(%s::uuid[]) AND valid_to IS NULL""",
                (user_id, list(memory_ids)),
            ).fetchall()
        return {row["id"]: Memory(**row) for row in rows}

    def nearest_memories(
        self, user_id: str, embedding_model: str, vector: np.ndarray, limit: int
    ) -> list[tuple[Memory, np.ndarray, float]]:
        """This user's current memories nearest to ``vector`` (see adapters/postgres/vectors.py)."""
        with self.db.scoped(user_id) as conn:
            rows = vectors.nearest(conn, f"{_M_COLUMNS}, m.embedding", user_id=user_id,
                                   embedding_model=embedding_model, vector=vector, limit=limit)
        out = []
        for row in rows:
            embedding = as_array(row.pop("embedding"))
            similarity = float(row.pop("similarity"))
            out.append((Memory(**row, similarity=similarity), embedding, similarity))
        return out

    # --- hybrid recall -------------------------------------------------------------------------

    def rankings(self, user_id: str, embedding_model: str, vector: np.ndarray | None, terms: Sequence[str],
                 limit: int) -> Rankings:
        """Both rankings of this user's memories for a query, in one transaction."""
        with self.db.scoped(user_id) as conn:
            lexicon = _lexicon(conn, user_id, terms)
            dense = [] if vector is None else _dense(conn, user_id, embedding_model, vector, limit, lexicon.size)
            return Rankings(dense=dense, lexical=_lexical(conn, user_id, lexicon, limit))

    def dense_ranking(
        self, user_id: str, embedding_model: str, vector: np.ndarray, limit: int
    ) -> list[tuple[str, float]]:
        """(id, cosine) of this user's nearest current memories."""
        with self.db.scoped(user_id) as conn:
            return _dense(conn, user_id, embedding_model, vector, limit, None)

    def lexical_ranking(self, user_id: str, terms: Sequence[str], limit: int) -> list[tuple[str, float]]:
        """(id, BM25) of this user's current memories sharing a term with the query (see _lexical)."""
        with self.db.scoped(user_id) as conn:
            return _lexical(conn, user_id, _lexicon(conn, user_id, terms), limit)

    def recall_candidates(self, user_id: str, memory_ids: Sequence[str]) -> list[dict]:
        """What ranking needs of each candidate (valid memories of this user only)."""
        if not memory_ids:
            return []
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(  # binary: vectors arrive as float arrays, not text to parse
                f"""SELECT {_MEMORY_COLUMNS}, last_accessed, embedding, search_text
                    FROM memories
                    WHERE user_id = %s AND id = ANY(%s::uuid[]) AND valid_to IS NULL""",
                (user_id, list(memory_ids)), binary=True,
            ).fetchall()
        for row in rows:
            row["embedding"] = as_array(row["embedding"]) if row["embedding"] is not None else None
        return rows

    def users_to_reindex(self, recipe_version: int) -> list[str]:
        """Users with a memory indexed by an older recipe (a job across users: unscoped)."""
        with self.db.unscoped() as conn:
            rows = conn.execute(
                """SELECT DISTINCT user_id FROM memories
                   WHERE recipe_version IS NULL OR recipe_version < %s ORDER BY user_id""",
                (recipe_version,),
            ).fetchall()
        return [row["user_id"] for row in rows]

    def memories_to_reindex(self, user_id: str, recipe_version: int, limit: int) -> list[dict]:
        """Memories whose indexed text predates ``recipe_version`` (or was never written)."""
        with self.db.scoped(user_id) as conn:
            return conn.execute(
                """SELECT id::text AS id, content, created_at, author, author_name, caption, context_text
                   FROM memories
                   WHERE user_id = %s AND (recipe_version IS NULL OR recipe_version < %s)
                   ORDER BY created_at LIMIT %s""",
                (user_id, recipe_version, limit),
            ).fetchall()

    def set_search_text(self, user_id: str, updates: Sequence[dict]) -> None:
        """New indexed text, terms and vector for memories (the vector index is rebuilt after)."""
        with self.db.scoped(user_id) as tx:
            for u in updates:
                vector = u.get("vector")
                tx.execute(
                    """UPDATE memories SET search_text = %s, search_terms = %s, recipe_version = %s,
                              embedding = %s, embedding_model = %s, embedding_dim = %s,
                              embedding_input = %s, indexed_at = NULL
                       WHERE user_id = %s AND id = %s""",
                    (u["search_text"], u["search_terms"], u["recipe_version"],
                     None if vector is None else np.asarray(vector, dtype=np.float32),
                     u.get("embedding_model") if vector is not None else None,
                     int(vector.shape[0]) if vector is not None else None,
                     u["embedding_input"] if vector is None else None,
                     user_id, u["id"]),
                )

    def set_importance(self, user_id: str, memory_id: str, importance: float) -> None:
        """A pinned fact keeps the importance it was pinned with (1.0)."""
        with self.db.scoped(user_id) as conn:
            conn.execute("UPDATE memories SET importance = %s WHERE user_id = %s AND id = %s::uuid AND NOT pinned",
                         (importance, user_id, memory_id))

    def record_memory_access(self, user_id: str, memory_ids: Sequence[str], now: datetime) -> None:
        if memory_ids:
            with self.db.scoped(user_id) as conn:
                conn.execute(
                    """UPDATE memories SET access_count = access_count + 1, last_accessed = %s
                       WHERE user_id = %s AND id = ANY(%s::uuid[])""",
                    (now, user_id, list(memory_ids)),
                )

    def count_memories(self, user_id: str) -> int:
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                "SELECT count(*) AS n FROM memories WHERE user_id = %s AND valid_to IS NULL", (user_id,)
            ).fetchone()
        return int(row["n"])

    def list_memories(self, user_id: str, memory_type: str, limit: int,
                      before: tuple[datetime, str] | None = None) -> list[Memory]:
        """The user's current memories of one type, newest first; ``before`` is the (created_at,
        id) of the previous page's last memory (keyset pagination)."""
        where, params = "", []
        if before is not None:
            where, params = "AND (created_at, id) < (%s, %s::uuid)", [before[0], before[1]]
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT {_MEMORY_COLUMNS} FROM memories
                    WHERE user_id = %s AND memory_type = %s AND valid_to IS NULL {where}
                    ORDER BY created_at DESC, id DESC LIMIT %s""",
                (user_id, memory_type, *params, limit),
            ).fetchall()
        return [Memory(**row) for row in rows]

    def pinned_memories(self, user_id: str, limit: int) -> list[Memory]:
        """The user's current pinned facts (/remember), newest first (migration 084's index)."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT {_MEMORY_COLUMNS} FROM memories
                    WHERE user_id = %s AND pinned AND valid_to IS NULL
                    ORDER BY created_at DESC LIMIT %s""",
                (user_id, limit),
            ).fetchall()
        return [Memory(**row) for row in rows]

    def count_embedded(self, user_id: str, memory_ids: Sequence[str] | None = None) -> int:
        """Memories of this user (or of these ids) that carry a vector, current or not."""
        if memory_ids is not None and not memory_ids:
            return 0
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                """SELECT count(*) AS n FROM memories WHERE user_id = %s AND embedding IS NOT NULL
                   AND (%s::uuid[] IS NULL OR id = ANY(%s::uuid[]))""",
                (user_id, None if memory_ids is None else list(memory_ids),
                 None if memory_ids is None else list(memory_ids)),
            ).fetchone()
        return int(row["n"])

@dataclass(frozen=True)
class _Lexicon:
    """What BM25 needs to know about a user's memories for one query (migration 031's counts)."""

    size: int  # current memories
    documents: dict[str, int]  # query term -> current memories containing it (0: absent)


def _lexicon(conn: psycopg.Connection, user_id: str, terms: Sequence[str]) -> _Lexicon:
    distinct = sorted({t for t in terms if t.isalnum()})
    rows = conn.execute(
        "SELECT term, documents FROM memory_lexicon WHERE user_id = %s AND term = ANY(%s)", (user_id, distinct)
    ).fetchall() if distinct else []
    counts = {row["term"]: int(row["documents"]) for row in rows}
    return _Lexicon(vectors.current_memories(conn, user_id), {t: counts.get(t, 0) for t in distinct})


def _dense(conn, user_id: str, embedding_model: str, vector: np.ndarray, limit: int,
           user_memories: int | None) -> list[tuple[str, float]]:
    rows = vectors.nearest(conn, "m.id::text AS id", user_id=user_id, embedding_model=embedding_model,
                           vector=vector, limit=limit, user_memories=user_memories)
    return [(row["id"], float(row["similarity"])) for row in rows]


def _lexical(conn, user_id: str, lexicon: _Lexicon, limit: int) -> list[tuple[str, float]]:
    """(id, BM25) best first, from the postings (migration 032). Candidates: every memory of the
    rarest query terms while they fit in LEXICAL_CANDIDATES (when even the rarest has more, its
    best LEXICAL_CANDIDATES by term weight); each candidate is then scored with every query term
    it contains, with the user's document counts."""
    present = sorted((t for t, n in lexicon.documents.items() if n), key=lambda t: (lexicon.documents[t], t))
    if not present:
        return []
    nominating, total = [], 0
    for term in present:
        if nominating and total + lexicon.documents[term] > LEXICAL_CANDIDATES:
            break
        nominating.append(term)
        total += lexicon.documents[term]
    candidates = [row["id"] for row in conn.execute(
        """SELECT DISTINCT p.memory_id AS id FROM unnest(%s::text[]) AS q(term)
           CROSS JOIN LATERAL (SELECT memory_id FROM memory_postings
                               WHERE user_id = %s AND term = q.term
                               ORDER BY weight DESC LIMIT %s) p""",
        (nominating, user_id, LEXICAL_CANDIDATES),
    ).fetchall()]
    postings = conn.execute(
        """SELECT memory_id::text AS id, term, weight FROM memory_postings
           WHERE user_id = %s AND term = ANY(%s) AND memory_id = ANY(%s)""",
        (user_id, present, candidates),
    ).fetchall()
    idf = {t: bm25_idf(lexicon.size, n) for t, n in lexicon.documents.items() if n}
    scores: dict[str, float] = {}
    for row in postings:
        scores[row["id"]] = scores.get(row["id"], 0.0) + idf[row["term"]] * row["weight"]
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]


class PostgresSearchIndex:
    """PostgreSQL as the memory search index: pgvector for the dense ranking, BM25 over the
    full-text index for the lexical one. The rows are the index, so upserting is a no-op. The
    embedded default (Qdrant local mode scans in Python and does not scale, see the README) and
    the fallback whenever Qdrant is unavailable."""

    def __init__(self, memories: MemoryRepository):
        self.memories = memories

    def ensure_collection(self, model_id: str, dim: int) -> None:
        return None

    def upsert(self, model_id: str, user_id: str, points) -> None:
        return None

    def search(self, model_id: str, user_id: str, vector, limit: int, min_score: float = 0.0):
        rows = self.memories.nearest_memories(user_id, model_id, vector, limit)
        return [VectorHit(m.id, sim, {"user_id": user_id, "content": m.content}, vec)
                for m, vec, sim in rows if sim >= min_score]

    # The rows are the index: deleting them (the repositories do) deletes the points.
    def delete_points(self, user_id: str, point_ids) -> None:
        return None

    def delete_user(self, user_id: str) -> None:
        return None

    def delete_ids(self, point_ids) -> None:
        return None

    def count_user_points(self, user_id: str, point_ids=None) -> int:
        return self.memories.count_embedded(user_id, point_ids)

    def rankings(self, model_id: str, user_id: str, vector, terms, limit: int):
        return self.memories.rankings(user_id, model_id, vector, terms, limit)
