"""Turns under slow dependencies: every turn ends (a reply, or the apology) inside its deadline,
the message is always kept, and an outage is remembered by a circuit breaker."""
import json
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from qdrant_client import QdrantClient

from companion.adapters.openai_chat import OpenAIChatReplyModel
from companion.adapters.qdrant_store import QdrantVectorStore
from companion.adapters.queues import sqs_event
from companion.domain.deadline import snowflake_at
from companion.domain.models import Turn
from companion.local.functions import load_handler
from companion.local.runtime import LocalRuntime
from companion.services.turn import OUTAGE_REPLY, TurnBudget

from tests.fakes import FakeChatServer, HungServer


@pytest.fixture
def make_runtime(tmp_path, database_url, embedder):
    made = []

    def make(**overrides):
        rt = LocalRuntime(tmp_path / f"rt{len(made)}", database_url=database_url, qdrant_path=":memory:",
                          embedder=embedder, overrides=overrides)
        made.append(rt)
        return rt

    yield make
    for rt in made:
        rt.close()


@pytest.fixture
def worker():
    return load_handler("turn_worker").handler


def turn_for(runtime, message, user_id, *, created=None):
    payload = runtime.interaction("companion", {"message": message}, user_id, "tester")
    interaction_id = snowflake_at(created) if created else payload["id"]
    return Turn(interaction_id=interaction_id, application_id=payload["application_id"], token=payload["token"],
                user_id=user_id, username="tester", command="companion", options={"message": message})


def record(turn, message_id):
    return {"message_id": message_id, "body": json.dumps(turn.to_dict()), "group_id": turn.user_id,
            "dedup_id": turn.interaction_id, "receives": 1}


def test_a_hanging_reply_model_gets_the_apology_in_time_and_the_batch_goes_on(make_runtime, worker, lambda_context):
    chat = FakeChatServer(lambda body: "hang" if "hang" in body["messages"][-1]["content"] else "ok")
    try:
        model = OpenAIChatReplyModel(api_key="cpk_test", primary_model="Qwen/primary", base_url=chat.base_url)
        runtime = make_runtime(reply_model=model)
        runtime.container.turns.budget = TurnBudget(max_turn=2.5, finish_reserve=1.0, min_model_time=0.2)
        stuck = turn_for(runtime, "please hang on this one, my dog Rex is sick", "u1")
        fine = turn_for(runtime, "I got a new puppy today!", "u2")
        result = worker(sqs_event([record(stuck, "m1"), record(fine, "m2")]), lambda_context)
    finally:
        chat.close()
    assert result["batchItemFailures"] == []
    assert runtime.sink.edits[stuck.token] == [OUTAGE_REPLY]
    assert runtime.sink.edits[fine.token] == ["I hear you: I got a new puppy today!"]
    [kept] = runtime.container.interaction_repo.list_interactions("u1")
    assert kept.user_message == stuck.message and kept.agent_response == OUTAGE_REPLY
    assert runtime.container.memory_repo.count_memories("u1") == 1


def test_a_hung_vector_index_is_remembered_and_the_next_turn_skips_it(make_runtime):
    hung = HungServer()
    try:
        store = QdrantVectorStore(QdrantClient(url=hung.url, timeout=1, check_compatibility=False))
        runtime = make_runtime(vector_store=store)
        first = runtime.send("companion", {"message": "I'm allergic to peanuts"}, user_id="u1")
        assert first.replies and runtime.container.breakers["vector index"].state == "open"
        tried = hung.accepted
        second = runtime.send("companion", {"message": "What should I avoid eating?"}, user_id="u1")
    finally:
        hung.close()
    assert second.replies
    assert hung.accepted == tried  # the second turn never waited on the hung index
    # Recall went to PostgreSQL's exact search instead; both memories wait to be indexed.
    with runtime.container.database.scoped("u1") as conn:
        assert conn.execute("SELECT count(*) AS n FROM memories WHERE indexed_at IS NULL").fetchone()["n"] == 2


def test_a_turn_older_than_its_token_is_remembered_without_calling_the_model(make_runtime, lambda_context, monkeypatch):
    module = load_handler("turn_worker")
    worker = module.handler

    class Spy:
        calls = 0

        def reply(self, context):
            Spy.calls += 1
            raise AssertionError("the model must not be called for a dead token")

    runtime = make_runtime(reply_model=Spy())
    emitted = []
    monkeypatch.setattr(module.metrics, "add_metric", lambda name, unit, value: emitted.append(name))
    old = turn_for(runtime, "My sister Emma is visiting next week", "u1",
                   created=datetime.now(timezone.utc) - timedelta(minutes=16))
    result = worker(sqs_event([record(old, "m1")]), lambda_context)
    assert result["batchItemFailures"] == []
    assert Spy.calls == 0 and old.token not in runtime.sink.edits
    [kept] = runtime.container.interaction_repo.list_interactions("u1")
    assert kept.user_message == "My sister Emma is visiting next week" and kept.agent_response == ""
    found = runtime.container.memory.search_text("u1", "Emma", k=3, now=datetime.now(timezone.utc))
    assert [m.content for m in found] == ["My sister Emma is visiting next week"]
    assert "TurnsTooOld" in emitted
    # A redelivery of it sends nothing and stores nothing twice.
    assert worker(sqs_event([record(old, "m1-again")]), lambda_context)["batchItemFailures"] == []
    assert len(runtime.container.interaction_repo.list_interactions("u1")) == 1


def test_a_batch_whose_every_turn_failed_is_reported_not_raised(runtime, worker, lambda_context):
    event = sqs_event([
        {"message_id": "p1", "body": "{not json", "group_id": "u1", "dedup_id": "p1", "receives": 1},
        {"message_id": "p2", "body": "[]", "group_id": "u2", "dedup_id": "p2", "receives": 1},
    ])
    result = worker(event, lambda_context)  # no BatchProcessingError: the invocation did not crash
    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == ["p1", "p2"]


def test_a_connection_dropped_inside_the_write_transaction_is_retried_once(runtime, pg_server):
    repo = runtime.container.interaction_repo
    real_insert = repo.insert_interaction
    killed = []

    def insert_then_lose_the_connection(tx, **fields):
        row = real_insert(tx, **fields)
        if not killed:
            killed.append(tx.info.backend_pid)
            with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (tx.info.backend_pid,))
        return row

    repo.insert_interaction = insert_then_lose_the_connection
    exchange = runtime.send("companion", {"message": "I got a new puppy today!"}, user_id="u1")
    assert killed and len(exchange.replies) == 1
    assert len(repo.list_interactions("u1")) == 1
    assert runtime.container.memory_repo.count_memories("u1") == 1
    assert runtime.queue.dead_letters == []
