"""Nearest memories by vector in PostgreSQL: one user's current memories, nearest first.

Vectors are stored as ``halfvec`` (migration 083) and compared by cosine. pgvector's HNSW indexes
one fixed dimension, and the column holds any (the model decides it), so there is a partial
expression index per supported dimension, built over the vector's **binary code**
(``binary_quantize``: one bit per dimension, Hamming distance), which is 16-32 times smaller than
an index of the vectors. A query walks it for a shortlist of ``OVERSAMPLE`` times the rows
wanted (at least ``SHORTLIST_MIN``), with ``hnsw.iterative_scan`` (pgvector >= 0.8) so the user_id filter cannot starve the
walk, and re-ranks the shortlist by the exact cosine of the stored vectors.

A user with few memories is searched exactly instead (the user's rows by the btree index, then
a sort): that is fast, exact, and cannot be starved by a global index dominated by other users.
An index walk that still comes back short (a small user in a huge table, past
``hnsw.max_scan_tuples``) is redone exactly, so a search never silently loses results.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import psycopg
from psycopg import sql

from .database import as_array

# Dimensions with an HNSW index over their binary codes (migration 083).
INDEXED_DIMENSIONS = (384, 768, 1536, 3072)
# Below this many current memories a user is searched exactly: ~1,000 rows rank in a few
# milliseconds, and an approximate index gains nothing there.
APPROXIMATE_FROM = 1000
# The HNSW candidate list (pgvector's default is 40); raised to the shortlist's length.
EF_SEARCH = 40
# The binary index nominates OVERSAMPLE times the rows wanted, at least SHORTLIST_MIN; their
# stored vectors re-rank them. Chosen on LoCoMo's dev conversations 1-4 embedded by MiniLM (384
# bits, a coarser code than Gemini's 1536): 99.2% of the exact 10 nearest and 99.8% of the exact
# 30 kept (4x without the floor: 93.5% and 96.4%). README, "Storage".
OVERSAMPLE = 10
SHORTLIST_MIN = 100
MAX_EF_SEARCH = 1000  # pgvector's limit


def current_with_vector(conn: psycopg.Connection, columns: str, *, user_id: str, memory_id: str,
                        embedding_model: str, where: str = "") -> tuple[dict, np.ndarray] | None:
    """One current episodic memory's ``columns`` (of ``memories m``) and its stored vector of this
    embedder; None when it is gone, replaced, not episodic, not embedded or fails ``where``."""
    row = conn.execute(  # binary: the vector arrives as a float array
        f"""SELECT {columns}, m.embedding FROM memories m
            WHERE m.user_id = %s AND m.id = %s::uuid AND m.valid_to IS NULL {where}
              AND m.memory_type = 'episodic' AND m.embedding_model = %s AND m.embedding IS NOT NULL""",
        (user_id, memory_id, embedding_model), binary=True,
    ).fetchone()
    if row is None:
        return None
    vector = as_array(row.pop("embedding"))
    return row, vector


def nearest(
    conn: psycopg.Connection,
    columns: str,
    *,
    user_id: str,
    embedding_model: str,
    vector: np.ndarray,
    limit: int,
    user_memories: int | None = None,
    where: str = "",
    params: Sequence[Any] = (),
) -> list[dict]:
    """Rows of ``columns`` (plus ``similarity``, the cosine) of the user's current memories made
    by ``embedding_model``, nearest first. ``user_memories`` (how many current memories the user
    has; read when not given) picks the exact or the indexed search; ``where``/``params`` add
    conditions on ``m``."""
    if user_memories is None:
        user_memories = current_memories(conn, user_id)
    dim = int(vector.shape[0])
    if dim in INDEXED_DIMENSIONS and user_memories >= APPROXIMATE_FROM:
        shortlist = min(max(limit * OVERSAMPLE, SHORTLIST_MIN), MAX_EF_SEARCH)
        conn.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), "
                     "set_config('hnsw.ef_search', %s, true)", (str(max(EF_SEARCH, shortlist)),))
        rows = _query(conn, columns, embedding_model, vector, limit, where, params, user_id,
                      dim=dim, shortlist=shortlist)
        if len(rows) == limit or len(rows) >= user_memories:
            return rows
    return _query(conn, columns, embedding_model, vector, limit, where, params, user_id, dim=None, shortlist=None)


def current_memories(conn: psycopg.Connection, user_id: str) -> int:
    """How many current memories the user has (kept by migration 031's trigger)."""
    row = conn.execute("SELECT documents FROM memory_lexicon_size WHERE user_id = %s", (user_id,)).fetchone()
    return int(row["documents"]) if row else 0


def _query(conn, columns, embedding_model, vector, limit, where, params, user_id, *, dim, shortlist) -> list[dict]:
    ranked = sql.SQL(
        """SELECT {columns}, 1 - (m.embedding <=> %s::halfvec) AS similarity FROM {source} m
           ORDER BY m.embedding <=> %s::halfvec LIMIT %s""")
    if dim is None:
        source = sql.SQL(
            """(SELECT * FROM memories m
                WHERE m.user_id = %s AND m.embedding_model = %s AND m.valid_to IS NULL {where})""")
        inner: tuple = (user_id, embedding_model, *params)
    else:
        # The dimension is a literal, so the planner can match the partial index (its predicate
        # and its expression); the shortlist is then re-ranked by the stored vectors.
        source = sql.SQL(
            """(SELECT * FROM memories m
                WHERE m.user_id = %s AND m.embedding_model = %s AND m.valid_to IS NULL
                  AND m.embedding_dim = {dim} {where}
                ORDER BY binary_quantize(m.embedding)::bit({dim}) <~> binary_quantize(%s::halfvec)
                LIMIT %s)""")
        inner = (user_id, embedding_model, *params, vector, shortlist)
    query = ranked.format(columns=sql.SQL(columns), source=source.format(
        where=sql.SQL(where), dim=sql.Literal(dim) if dim else sql.SQL("")))
    return conn.execute(query, (vector, *inner, vector, limit)).fetchall()
