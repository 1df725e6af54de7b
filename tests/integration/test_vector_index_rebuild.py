"""Re-indexing Qdrant from PostgreSQL: after the vector index is wiped (or restored from an old
snapshot), the migrate function's {"action": "reindex-vectors"} puts every memory back from the
vectors PostgreSQL keeps, and recall works again."""
import json

from companion.adapters.qdrant_store import collection_name
from companion.local.functions import load_handler
from companion.services.vector_index import VectorIndexRebuild

from tests.sample_events import sample_event

USERS = {"u_alice": "I got a new puppy today, his name is Sparky!", "u_bob": "My sister Clara moved to Lisbon last week."}


def wipe_vector_index(runtime):
    """What a lost Qdrant cluster, or one restored empty, looks like: the collection is there and
    holds nothing."""
    container = runtime.container
    store, model = container.vector_store, container.embedder.model_id
    store.client.delete_collection(collection_name(model))
    store.drop_readiness_cache()
    store.ensure_collection(model, container.embedder.dim)


def recalled(runtime, user_id, query):
    return [m.content for m in runtime.container.memory.search(user_id, query, k=3, now=runtime.container.clock())]


def test_reindex_restores_recall_after_the_vector_index_is_wiped(runtime, lambda_context):
    for user_id, message in USERS.items():
        assert runtime.send("companion", {"message": message}, user_id=user_id).replies
    store = runtime.container.vector_store
    assert recalled(runtime, "u_alice", "what is my dog called?") == [USERS["u_alice"]]

    wipe_vector_index(runtime)
    assert store.count_user_points("u_alice") == 0
    assert recalled(runtime, "u_alice", "what is my dog called?") == []  # the index is the only path

    migrate = load_handler("migrate").handler
    result = migrate(sample_event("migrate/reindex.json"), lambda_context)
    assert result["done"] is True and result["users"] == 2 and result["memories"] >= 2, result

    assert recalled(runtime, "u_alice", "what is my dog called?") == [USERS["u_alice"]]
    assert recalled(runtime, "u_bob", "where does my sister live?") == [USERS["u_bob"]]
    assert recalled(runtime, "u_bob", "what is my dog called?") != [USERS["u_alice"]]  # still per user
    for user_id in USERS:
        assert store.count_user_points(user_id) == runtime.container.memory_repo.count_memories(user_id)


def test_a_rebuild_that_runs_out_of_time_says_where_to_continue(runtime):
    for user_id, message in USERS.items():
        runtime.send("companion", {"message": message}, user_id=user_id)
    wipe_vector_index(runtime)
    ticks = iter(range(100))
    container = runtime.container
    rebuild = VectorIndexRebuild(container.maintenance_repo, container.memory, container.vector_store,
                                 container.clock, monotonic=lambda: next(ticks), page=1)
    first = rebuild.run(budget_seconds=1.5)  # time for one user
    assert (first.users, first.next_after_user) == (1, "u_alice") and first.marked_unindexed >= 2
    rest = rebuild.run(after_user=first.next_after_user)
    assert rest.users == 1 and rest.next_after_user is None
    assert json.loads(json.dumps(rest.to_dict()))["done"] is True
    assert recalled(runtime, "u_bob", "where does my sister live?") == [USERS["u_bob"]]
