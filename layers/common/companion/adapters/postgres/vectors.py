"""Nearest memories by vector in PostgreSQL: one user's current memories, nearest first.

The embedding column holds vectors of any dimension (the model decides it), and pgvector's HNSW
indexes one fixed dimension, so migration 031 builds a partial expression index per supported
dimension (the cast to that dimension, over current memories of that dimension). A query uses
it by ordering on the same cast under the same predicate, with ``hnsw.iterative_scan`` (pgvector
>= 0.8): the index walk goes on until enough of *this user's* rows pass the filter instead of
stopping at ``ef_search`` candidates shared with every other user.

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

# Dimension -> the pgvector type of its HNSW index (migration 031). halfvec above 2,000
# dimensions, which is as far as HNSW indexes a plain vector.
INDEXED_DIMENSIONS = {384: "vector", 768: "vector", 1536: "vector", 3072: "halfvec"}
# Below this many current memories a user is searched exactly: ~1,000 rows rank in a few
# milliseconds, and an approximate index gains nothing there.
APPROXIMATE_FROM = 1000
# The HNSW candidate list (pgvector's default is 40); raised to the number of results wanted.
EF_SEARCH = 40


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
    kind = INDEXED_DIMENSIONS.get(dim)
    if kind is not None and user_memories >= APPROXIMATE_FROM:
        conn.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), "
                     "set_config('hnsw.ef_search', %s, true)", (str(max(EF_SEARCH, limit)),))
        rows = _query(conn, columns, embedding_model, vector, limit, where, params, user_id,
                      cast=sql.SQL("::{}({})").format(sql.SQL(kind), sql.Literal(dim)), dim=dim)
        # relaxed_order: the walk may return neighbours slightly out of order.
        rows.sort(key=lambda row: -row["similarity"])
        if len(rows) == limit or len(rows) >= user_memories:
            return rows
    return _query(conn, columns, embedding_model, vector, limit, where, params, user_id, cast=sql.SQL(""), dim=None)


def current_memories(conn: psycopg.Connection, user_id: str) -> int:
    """How many current memories the user has (kept by migration 031's trigger)."""
    row = conn.execute("SELECT documents FROM memory_lexicon_size WHERE user_id = %s", (user_id,)).fetchone()
    return int(row["documents"]) if row else 0


def _query(conn, columns, embedding_model, vector, limit, where, params, user_id, *, cast, dim) -> list[dict]:
    # The dimension is a literal, so the planner can match the partial index's predicate.
    indexed = sql.SQL("AND m.embedding_dim = {}").format(sql.Literal(dim)) if dim else sql.SQL("")
    distance = sql.SQL("(m.embedding{cast} <=> %s{cast})").format(cast=cast)
    query = sql.SQL(
        """SELECT {columns}, 1 - {distance} AS similarity FROM memories m
           WHERE m.user_id = %s AND m.embedding_model = %s AND m.valid_to IS NULL {indexed} {where}
           ORDER BY {distance} LIMIT %s"""
    ).format(columns=sql.SQL(columns), distance=distance, indexed=indexed, where=sql.SQL(where))
    return conn.execute(query, (vector, user_id, embedding_model, *params, vector, limit)).fetchall()
