"""Recall's PostgreSQL legs at scale (migration 031): the HNSW index per dimension walked with an
iterative scan, the per-user term counts BM25 reads, and the capped lexical candidate set; each
checked against a brute-force reference on a small corpus."""
import math
import uuid
from collections import Counter
from datetime import datetime, timezone

import numpy as np
import pytest
from psycopg import sql

from companion.adapters.postgres import Database, MemoryRepository, PostgresSearchIndex, memories as memories_module
from companion.adapters.postgres import vectors
from companion.adapters.postgres.user_data import UserDataRepository
from companion.domain.lexical import bm25_idf, bm25_tf
from companion.services.memory import MemoryService

from tests.fakes import RecordingConnection

NOW = datetime(2025, 11, 20, 18, 0, tzinfo=timezone.utc)
MODEL = "test-model-384"


class FixedImportance:
    def score(self, content, context):
        return 0.5


@pytest.fixture
def repo(database_url):
    db = Database(database_url)
    yield MemoryRepository(db)
    db.close()


@pytest.fixture
def service(repo, embedder):
    index = PostgresSearchIndex(repo)
    return MemoryService(repo, index, embedder, FixedImportance(), fallback=index)


def remember(service, user, *texts):
    items = [{"memory_id": str(uuid.uuid4()), "content": t, "now": NOW, "author_name": "Sam"} for t in texts]
    return service.remember(user, items)


def recount(db_admin):
    """Term counts and postings computed from scratch (as migrations 031 and 032 backfill them),
    with the weights of domain.lexical.bm25_tf."""
    rows = db_admin.execute(
        """SELECT m.user_id, m.id::text AS id, m.search_terms FROM memories m
           WHERE m.valid_to IS NULL AND m.search_terms <> ''""").fetchall()
    terms, postings = Counter(), {}
    for r in rows:
        counts = Counter(r["search_terms"].split())
        for term, tf in counts.items():
            terms[(r["user_id"], term)] += 1
            postings[(r["user_id"], term, r["id"])] = round(bm25_tf(tf, len(counts)), 5)
    sizes = Counter(r["user_id"] for r in db_admin.execute(
        "SELECT user_id FROM memories WHERE valid_to IS NULL").fetchall())
    return dict(terms), dict(sizes), postings


def kept(db_admin):
    terms = {(r["user_id"], r["term"]): r["documents"] for r in db_admin.execute(
        "SELECT user_id, term, documents FROM memory_lexicon").fetchall()}
    sizes = {r["user_id"]: r["documents"] for r in db_admin.execute(
        "SELECT user_id, documents FROM memory_lexicon_size").fetchall()}
    postings = {(r["user_id"], r["term"], r["memory_id"]): round(r["weight"], 5) for r in db_admin.execute(
        "SELECT user_id, term, memory_id::text, weight FROM memory_postings").fetchall()}
    return terms, sizes, postings


def test_term_counts_follow_every_write_close_reindex_and_delete(service, repo, db_admin):
    a = remember(service, "u1", "My dog Rex loves the park.", "The park was full of dogs today.", "I baked bread.")
    remember(service, "u2", "Bread again, sourdough this time.")
    assert kept(db_admin) == recount(db_admin)
    assert kept(db_admin)[1] == {"u1": 3, "u2": 1}
    remember(service, "u1", "dog dog dog walk")  # repeated terms: the weight saturates
    assert kept(db_admin) == recount(db_admin)

    with repo.db.scoped("u1") as tx:  # a contradicted memory is closed, not deleted
        tx.execute("UPDATE memories SET valid_to = %s WHERE id = %s", (NOW, a[0].id))
    assert kept(db_admin) == recount(db_admin)
    with repo.db.scoped("u1") as tx:  # re-indexed text (the recipe changed)
        tx.execute("UPDATE memories SET search_terms = 'bread rye' WHERE id = %s", (a[2].id,))
    assert kept(db_admin) == recount(db_admin)
    with repo.db.scoped("u1") as tx:
        tx.execute("DELETE FROM memories WHERE id = %s", (a[1].id,))
    assert kept(db_admin) == recount(db_admin)

    UserDataRepository(repo.db).erase_user("u1")  # /forget-me leaves no count behind
    terms, sizes, postings = kept(db_admin)
    assert {user for user, _ in terms} == {"u2"} and sizes == {"u2": 1}
    assert {user for user, _, _ in postings} == {"u2"}
    assert kept(db_admin) == recount(db_admin)


def test_lexical_ranking_is_bm25_over_the_users_memories(service, repo, db_admin):
    texts = ["coffee with Anna at the harbour", "coffee and cake", "a walk in the harbour",
             "Anna called about the harbour festival", "nothing in common here"]
    remember(service, "u1", *texts)
    remember(service, "u2", "coffee coffee harbour")  # another user's words change nothing
    query = ["coffe", "anna", "harbour"]
    got = repo.lexical_ranking("u1", query, 10)

    rows = db_admin.execute("SELECT id::text AS id, search_terms FROM memories WHERE user_id = 'u1'").fetchall()
    docs = {r["id"]: Counter(r["search_terms"].split()) for r in rows}
    expected = {}
    for doc_id, counts in docs.items():
        score = sum(bm25_idf(len(docs), sum(t in c for c in docs.values())) * bm25_tf(counts[t], len(counts))
                    for t in query if counts[t])
        if score:
            expected[doc_id] = score
    assert [d for d, _ in got] == sorted(expected, key=lambda d: (-expected[d], d))
    assert all(math.isclose(score, expected[d], rel_tol=1e-6) for d, score in got)  # weights are REAL


def test_a_capped_candidate_set_keeps_the_rare_terms_memories(service, repo, monkeypatch):
    remember(service, "u1", *[f"coffee number {i} with friends" for i in range(12)],
             "coffee in Zanzibar with friends")
    monkeypatch.setattr(memories_module, "LEXICAL_CANDIDATES", 4)
    capped = repo.lexical_ranking("u1", ["coffe", "zanzibar"], 5)
    monkeypatch.setattr(memories_module, "LEXICAL_CANDIDATES", 1000)
    full = repo.lexical_ranking("u1", ["coffe", "zanzibar"], 5)
    assert capped[0] == full[0]
    assert "Zanzibar" in repo.memories_by_ids("u1", [capped[0][0]])[capped[0][0]].content
    # A query of common words only still answers, from a bounded set: the memories where the
    # word weighs most (the shortest).
    monkeypatch.setattr(memories_module, "LEXICAL_CANDIDATES", 4)
    assert len(repo.lexical_ranking("u1", ["coffe"], 10)) == 4
    remember(service, "u1", "coffee")
    assert repo.memories_by_ids("u1", [repo.lexical_ranking("u1", ["coffe"], 1)[0][0]]).popitem()[1].content == "coffee"


def insert_vectors(db_admin, user_id, count, rng, basis):
    """Memories with vectors near a few directions (realistic neighbourhoods), straight in SQL."""
    vecs = basis[rng.integers(0, len(basis), count)] + rng.normal(0, 0.3, (count, basis.shape[1]))
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    with db_admin.cursor() as cur:
        cur.executemany(
            """INSERT INTO memories (id, user_id, memory_type, content, importance, embedding_model,
                   embedding_dim, embedding, search_terms)
               VALUES (%s, %s, 'episodic', 'x', 0.5, %s, 384, %s::vector, 'x')""",
            [(str(uuid.uuid4()), user_id, MODEL, str(v.astype(np.float32).tolist())) for v in vecs])


def test_a_large_user_is_searched_through_the_binary_hnsw_index_and_matches_exact(repo, db_admin):
    rng = np.random.default_rng(7)
    basis = rng.normal(size=(16, 384))
    insert_vectors(db_admin, "big", 1500, rng, basis)
    db_admin.execute("ANALYZE memories")
    query = basis[3] / np.linalg.norm(basis[3])

    with repo.db.scoped("big") as conn:
        recording = RecordingConnection(conn)
        approximate = vectors.nearest(recording, "m.id::text AS id", user_id="big", embedding_model=MODEL,
                                      vector=query.astype(np.float32), limit=10)
        statement, params = recording.statements[-1]
        plan = "\n".join(r["QUERY PLAN"] for r in conn.execute(sql.SQL("EXPLAIN ") + statement, params))
    assert "idx_memories_binary_384" in plan, plan
    exact = db_admin.execute(
        """SELECT id::text AS id FROM memories WHERE user_id = 'big'
           ORDER BY embedding <=> %s::vector LIMIT 10""", (str(query.astype(np.float32).tolist()),)).fetchall()
    assert len({r["id"] for r in approximate} & {r["id"] for r in exact}) >= 9
    assert [r["similarity"] for r in approximate] == sorted((r["similarity"] for r in approximate), reverse=True)


def test_a_small_user_among_many_others_is_never_starved(repo, db_admin, monkeypatch):
    rng = np.random.default_rng(8)
    basis = rng.normal(size=(16, 384))
    insert_vectors(db_admin, "big", 1500, rng, basis)
    insert_vectors(db_admin, "small", 12, rng, basis)
    db_admin.execute("ANALYZE memories")
    monkeypatch.setattr(vectors, "APPROXIMATE_FROM", 1)  # force the index walk for the small user
    query = (basis[5] / np.linalg.norm(basis[5])).astype(np.float32)
    found = repo.dense_ranking("small", MODEL, query, 20)
    exact = db_admin.execute(
        """SELECT id::text AS id FROM memories WHERE user_id = 'small'
           ORDER BY embedding <=> %s::vector""", (str(query.tolist()),)).fetchall()
    assert [i for i, _ in found] == [r["id"] for r in exact]


def test_conflict_candidates_use_the_same_search(repo, db_admin):
    from companion.adapters.postgres.conflicts import ConflictRepository

    rng = np.random.default_rng(9)
    basis = rng.normal(size=(4, 384))
    insert_vectors(db_admin, "u1", 30, rng, basis)
    query = (basis[0] / np.linalg.norm(basis[0])).astype(np.float32)
    first = repo.dense_ranking("u1", MODEL, query, 3)
    similar = ConflictRepository(repo.db).similar_current_memories("u1", MODEL, query, first[0][0], -1.0, 2)
    assert [m.id for m in similar] == [i for i, _ in first[1:3]]
