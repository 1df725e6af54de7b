"""The compact stored form (#20 item 7): vectors as halfvec in PostgreSQL and float16 in Qdrant.

A deployment upgraded from the float32 layout keeps answering from its old Qdrant collection
(new memories are written to both) until `make reindex` moves every memory into the new one
from PostgreSQL and deletes the old; recall works before, during and after."""
import numpy as np
import pytest
from qdrant_client import QdrantClient, models

from companion.adapters.qdrant_store import (
    DENSE, LEGACY_LAYOUTS, QdrantVectorStore, collection_name, legacy_collection_names,
)
from companion.local import reindex
from companion.local.runtime import LocalRuntime

USERS = {"u_alice": "I got a new puppy today, his name is Sparky!",
         "u_bob": "My sister Clara moved to Lisbon last week."}


def recalled(rt, user_id, query):
    return [m.content for m in rt.container.memory.search(user_id, query, k=3, now=rt.container.clock())]


def downgrade_to_float32_layout(path, model):
    """What Qdrant holds on a deployment made before this change: the model's points in a float32
    collection of the earlier name (payload with the memory's words, as that code wrote it), and
    no collection of the current layout."""
    client = QdrantClient(path=str(path))
    current, legacy = collection_name(model), legacy_collection_names(model)[0]
    info = client.get_collection(current).config.params
    client.create_collection(
        legacy, vectors_config={DENSE: models.VectorParams(size=info.vectors[DENSE].size,
                                                           distance=models.Distance.COSINE)},
        sparse_vectors_config=info.sparse_vectors)
    points, _ = client.scroll(current, limit=1000, with_vectors=True, with_payload=True)
    client.upsert(legacy, points=[models.PointStruct(id=p.id, vector=p.vector, payload={**p.payload, "content": "…"})
                                  for p in points])
    client.delete_collection(current)
    client.close()
    return len(points)


@pytest.fixture
def qdrant_runtime(tmp_path, database_url, embedder):
    """`make run` wired to Qdrant local mode in a folder, reopened at will (one client at a time)."""
    opened = []

    def open_runtime():
        rt = LocalRuntime(tmp_path / "data", database_url=database_url, qdrant_path=str(tmp_path / "qdrant"),
                          embedder=embedder)
        opened.append(rt)
        return rt

    yield open_runtime
    for rt in opened:
        rt.close()


def test_halfvec_is_what_postgresql_keeps(runtime, db_admin):
    runtime.send("companion", {"message": USERS["u_alice"]}, user_id="u_alice")
    row = db_admin.execute(
        "SELECT pg_typeof(embedding)::text AS type, embedding_dim FROM memories WHERE user_id = 'u_alice'").fetchone()
    assert row == {"type": "halfvec", "embedding_dim": 384}
    assert recalled(runtime, "u_alice", "what is my dog called?") == [USERS["u_alice"]]


def test_an_upgraded_deployment_moves_to_float16_through_make_reindex(qdrant_runtime, database_url, tmp_path,
                                                                       monkeypatch, capsys):
    rt = qdrant_runtime()
    model = rt.container.embedder.model_id
    for user_id, message in USERS.items():
        assert rt.send("companion", {"message": message}, user_id=user_id).replies
    rt.close()
    assert downgrade_to_float32_layout(tmp_path / "qdrant", model) == 2

    # After the deploy, before the move: answers from the old collection, writes to both.
    rt = qdrant_runtime()
    store: QdrantVectorStore = rt.container.vector_store
    assert recalled(rt, "u_alice", "what is my dog called?") == [USERS["u_alice"]]
    assert rt.send("companion", {"message": "Sparky learned to sit today"}, user_id="u_alice").replies
    assert "Sparky learned to sit today" in recalled(rt, "u_alice", "what did Sparky learn?")
    assert store.legacy_collections(model) == legacy_collection_names(model)
    assert store.client.count(collection_name(model)).count == 1  # only the memory written since
    rt.close()

    # The operator's command, on the deployment (DATABASE_URL and QDRANT_PATH as the functions have them).
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("QDRANT_PATH", str(tmp_path / "qdrant"))
    monkeypatch.setenv("EMBEDDINGS", "onnx")
    assert reindex.main([]) == 0
    assert f"moved 3 memories of 2 users from {LEGACY_LAYOUTS[0]}" in capsys.readouterr().out

    rt = qdrant_runtime()
    store = rt.container.vector_store
    assert store.legacy_collections(model) == []
    params = store.client.get_collection(collection_name(model)).config.params.vectors[DENSE]
    assert params.datatype == models.Datatype.FLOAT16
    assert store.client.count(collection_name(model)).count == 3
    points, _ = store.client.scroll(collection_name(model), limit=10, with_payload=True)
    assert all("content" not in p.payload and p.payload["user_id"] in USERS for p in points)
    assert USERS["u_alice"] in recalled(rt, "u_alice", "what is my dog called?")
    assert recalled(rt, "u_bob", "where does my sister live?") == [USERS["u_bob"]]
    assert "Sparky learned to sit today" in recalled(rt, "u_alice", "what did Sparky learn?")


def test_a_worker_that_still_reads_the_retired_collection_switches_by_itself(qdrant_runtime, tmp_path):
    rt = qdrant_runtime()
    model = rt.container.embedder.model_id
    rt.send("companion", {"message": USERS["u_bob"]}, user_id="u_bob")
    rt.close()
    downgrade_to_float32_layout(tmp_path / "qdrant", model)
    rt = qdrant_runtime()
    assert recalled(rt, "u_bob", "where does my sister live?") == [USERS["u_bob"]]  # from the old collection
    # Another process finished the move and retired the old collection.
    rt.container.vector_index_rebuild.run()
    store = rt.container.vector_store
    store._legacy[model] = legacy_collection_names(model)  # this worker has not noticed yet
    assert recalled(rt, "u_bob", "where does my sister live?") == [USERS["u_bob"]]
    assert store._legacy[model] == []
    vector = np.asarray(rt.container.embedder.embed(["sister"], kind="query")[0])
    assert store.search(model, "u_bob", vector, 1)[0].payload["user_id"] == "u_bob"


def test_migration_083_converts_stored_vectors_and_search_still_finds_them(empty_database_url, tmp_path):
    """A database migrated before 083, with float vectors (a large user's and a small one's),
    then migrated: the vectors are halfvec, the binary index serves the large user, results
    match the float search that ran before."""
    import shutil
    import uuid
    from pathlib import Path

    import psycopg
    from psycopg.rows import dict_row

    from companion.adapters.migrations import apply_migrations
    from companion.adapters.postgres import Database, MemoryRepository

    migrations = Path(__file__).resolve().parents[2] / "migrations"
    before = tmp_path / "before"
    before.mkdir()
    for sql_file in sorted(migrations.glob("*.sql")):
        if sql_file.name < "083":
            shutil.copy(sql_file, before / sql_file.name)
    apply_migrations(empty_database_url, before)
    rng = np.random.default_rng(3)
    basis = rng.normal(size=(64, 384))  # neighbourhoods of ~20 memories
    with psycopg.connect(empty_database_url, autocommit=True, row_factory=dict_row) as conn:
        for user_id, count in (("big", 1200), ("small", 40)):
            vecs = basis[rng.integers(0, 64, count)] + rng.normal(0, 0.5, (count, 384))
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            with conn.cursor() as cur:
                cur.executemany(
                    """INSERT INTO memories (id, user_id, memory_type, content, importance, embedding_model,
                           embedding_dim, embedding, search_terms)
                       VALUES (%s, %s, 'episodic', 'x', 0.5, 'm-384', 384, %s::vector, 'x')""",
                    [(str(uuid.uuid4()), user_id, str(v.astype(np.float32).tolist())) for v in vecs])
        query = (basis[2] / np.linalg.norm(basis[2])).astype(np.float32)
        exact_before = {u: [r["id"] for r in conn.execute(
            """SELECT id::text AS id FROM memories WHERE user_id = %s
               ORDER BY embedding <=> %s::vector LIMIT 10""", (u, str(query.tolist()))).fetchall()]
            for u in ("big", "small")}

    assert "083_compact_vectors.sql" in apply_migrations(empty_database_url, migrations)
    with psycopg.connect(empty_database_url, autocommit=True, row_factory=dict_row) as conn:
        assert conn.execute("SELECT DISTINCT pg_typeof(embedding)::text AS t FROM memories").fetchall() == [
            {"t": "halfvec"}]
        indexes = {r["indexname"] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'memories'")}
        assert "idx_memories_binary_384" in indexes
        assert not indexes & {"idx_memories_hnsw_384", "idx_memories_tsv", "idx_memories_search_tsv"}
        conn.execute("ANALYZE memories")
    db = Database(empty_database_url)
    try:
        repo = MemoryRepository(db)
        for user_id in ("big", "small"):
            found = [i for i, _ in repo.dense_ranking(user_id, "m-384", query, 10)]
            assert len(set(found) & set(exact_before[user_id])) >= 9, user_id
    finally:
        db.close()
