"""The turn worker under bad input and outages: nothing is lost, nothing happens twice."""
import json
from datetime import datetime, timezone

import httpx
import psycopg
import pytest

from companion.adapters.discord_rest import DiscordRestClient
from companion.adapters.queues import sqs_event
from companion.domain.models import Turn
from companion.local.discord_sink import BASE_URL
from companion.local.functions import load_handler
from companion.ports import ProviderError
from companion.services.turn import OUTAGE_REPLY


def turn_for(runtime, message, user_id="u1"):
    payload = runtime.interaction("companion", {"message": message}, user_id, "tester")
    return Turn(
        interaction_id=payload["id"], application_id=payload["application_id"], token=payload["token"],
        user_id=user_id, username="tester", command="companion", options={"message": message},
    )


def record(body, message_id, group):
    return {"message_id": message_id, "body": body, "group_id": group, "dedup_id": message_id, "receives": 1}


@pytest.fixture
def worker():
    return load_handler("turn_worker").handler


def test_a_poison_record_fails_alone(runtime, worker, lambda_context):
    good = turn_for(runtime, "I got a new puppy today!", user_id="u2")
    event = sqs_event([
        record("{not json", "poison-1", "u1"),
        record(json.dumps({"interaction_id": "1", "command": "companion"}), "poison-2", "u3"),
        record(json.dumps(good.to_dict()), "good-1", "u2"),
    ])
    result = worker(event, lambda_context)
    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == ["poison-1", "poison-2"]
    assert runtime.sink.edits[good.token]  # the good turn was answered
    assert len(runtime.container.interaction_repo.list_interactions("u2")) == 1


def test_a_failing_record_holds_back_only_its_own_users_later_turns(runtime, worker, lambda_context):
    later_same_user = turn_for(runtime, "second message", user_id="u1")
    other_user = turn_for(runtime, "hello there", user_id="u2")
    event = sqs_event([
        record("{not json", "poison", "u1"),
        record(json.dumps(later_same_user.to_dict()), "u1-later", "u1"),
        record(json.dumps(other_user.to_dict()), "u2-turn", "u2"),
    ])
    failures = {f["itemIdentifier"] for f in worker(event, lambda_context)["batchItemFailures"]}
    assert failures == {"poison", "u1-later"}  # FIFO order for u1 is kept; u2 is not held back
    assert runtime.sink.edits[other_user.token]


def test_a_redelivered_turn_is_not_run_twice_but_its_reply_is_resent(runtime, worker, lambda_context):
    turn = turn_for(runtime, "I got a new puppy today!")
    body = json.dumps(turn.to_dict())
    c = runtime.container
    worker(sqs_event([record(body, "m1", "u1")]), lambda_context)
    pleasure_after_first = c.profile_repo.get_personality("u1").pad.pleasure
    result = worker(sqs_event([record(body, "m1-again", "u1")]), lambda_context)
    assert result["batchItemFailures"] == []
    assert len(c.interaction_repo.list_interactions("u1")) == 1
    assert c.memory_repo.count_memories("u1") == 1
    assert c.profile_repo.get_personality("u1").pad.pleasure == pleasure_after_first
    first, second = runtime.sink.edits[turn.token]
    assert first == second


def test_reply_model_outage_apologises_and_keeps_the_message(runtime, worker, lambda_context, db_admin):
    class DownModel:
        def reply(self, context):
            raise ProviderError("Chutes primary and fallback both failed: 503")

    runtime.container.turns.reply_model = DownModel()
    turn = turn_for(runtime, "My sister Emma is visiting next week")
    result = worker(sqs_event([record(json.dumps(turn.to_dict()), "m1", "u1")]), lambda_context)
    assert result["batchItemFailures"] == []
    assert runtime.sink.edits[turn.token] == [OUTAGE_REPLY]
    [row] = runtime.container.interaction_repo.list_interactions("u1")
    conn = db_admin
    flags = conn.execute("SELECT error_occurred, fallback_used, error_message FROM interactions WHERE id=%s", (row.id,)).fetchone()
    assert flags["error_occurred"] and flags["fallback_used"] and "503" in flags["error_message"]
    found = runtime.container.memory.search("u1", "sister visiting", k=3, now=datetime.now(timezone.utc))
    assert any("Emma" in m.content for m in found)


def test_vector_index_outage_loses_no_memory(runtime, lambda_context, db_admin):
    memory = runtime.container.memory
    real_store = memory.store

    class DownStore:
        def ensure_collection(self, *a, **k):
            raise ConnectionError("Qdrant unreachable")

        upsert = search = ensure_collection

    memory.store = DownStore()
    reply = runtime.send("companion", {"message": "I'm allergic to peanuts"}, user_id="u1")
    assert reply.replies  # the turn still completed
    conn = db_admin
    assert conn.execute("SELECT count(*) AS n FROM memories WHERE user_id='u1' AND indexed_at IS NULL").fetchone()["n"] == 1
    # Recall falls back to exact search in PostgreSQL.
    found = memory.search("u1", "food allergy", k=3, now=datetime.now(timezone.utc))
    assert [m.content for m in found] == ["I'm allergic to peanuts"]

    memory.store = real_store
    assert memory.index_pending("u1", datetime.now(timezone.utc)) == 1
    assert conn.execute("SELECT count(*) AS n FROM memories WHERE indexed_at IS NULL").fetchone()["n"] == 0
    hits = real_store.search(memory.embedder.model_id, "u1", memory.embedder.embed(["peanuts"])[0], 3)
    assert len(hits) == 1


def test_a_dropped_database_connection_is_replaced_within_the_turn(runtime, pg_server):
    runtime.send("personality", {}, user_id="u1")  # opens the worker's connection
    pid = runtime.container.database.connection().info.backend_pid
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    deliveries = runtime.queue.drain  # count deliveries: the first one must succeed
    delivered = []
    runtime.queue.drain = lambda handler, context=None, batch_size=10: delivered.append(deliveries(handler, context, batch_size)) or delivered[-1]
    exchange = runtime.send("companion", {"message": "Still there?"}, user_id="u1")
    assert delivered == [1] and len(exchange.replies) == 1  # the turn, once (its job goes to the job queue)
    assert runtime.job_queue.dead_letters == []
    assert runtime.container.database.connection().info.backend_pid != pid
    assert len(runtime.container.interaction_repo.list_interactions("u1")) == 1
    assert runtime.queue.dead_letters == []


def test_expired_interaction_token_is_not_retried_and_state_is_kept(runtime, worker, lambda_context):
    gone = httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(404, json={"message": "Unknown Webhook", "code": 10015})))
    runtime.container.turns.replies = DiscordRestClient(BASE_URL, http_client=gone)
    turn = turn_for(runtime, "I got a new puppy today!")
    result = worker(sqs_event([record(json.dumps(turn.to_dict()), "m1", "u1")]), lambda_context)
    assert result["batchItemFailures"] == []
    assert len(runtime.container.interaction_repo.list_interactions("u1")) == 1


def test_discord_outage_is_retried_and_the_stored_reply_delivered(runtime):
    calls = []

    def flaky(request):
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(502, text="Bad Gateway")
        return runtime.sink.handle(request)

    runtime.container.turns.replies = DiscordRestClient(BASE_URL, http_client=httpx.Client(transport=httpx.MockTransport(flaky)))
    exchange = runtime.send("companion", {"message": "I got a new puppy today!"}, user_id="u1")
    assert len(calls) == 2 and len(exchange.replies) == 1
    assert exchange.replies[0] == runtime.container.interaction_repo.list_interactions("u1")[0].agent_response


def test_empty_and_oversized_queued_messages_get_clear_replies(runtime, worker, lambda_context):
    empty = turn_for(runtime, "   ")
    huge = turn_for(runtime, "y" * 5000)
    result = worker(sqs_event([record(json.dumps(empty.to_dict()), "e", "u1"),
                               record(json.dumps(huge.to_dict()), "h", "u9")]), lambda_context)
    assert result["batchItemFailures"] == []
    assert "didn't say anything" in runtime.sink.edits[empty.token][0]
    assert "too long" in runtime.sink.edits[huge.token][0]
    assert runtime.container.interaction_repo.list_interactions("u1") == []


def test_a_job_left_on_the_turn_queue_is_moved_to_the_job_queue_not_run(runtime, worker, lambda_context):
    """Jobs queued on the turn queue before jobs had their own queue (a deploy in flight) never
    take a turn worker: they are moved to the job queue, once each, and the job worker runs them."""
    from companion.domain.schedules import UserJob

    runtime.send("companion", {"message": "I'm learning the cello"}, user_id="u1")
    job = UserJob("reflection", "u1", datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc))
    body = json.dumps(job.to_dict())
    result = worker(sqs_event([record(body, "old-job", "u1"), record("{not json", "poison", "u2")]), lambda_context)
    assert result == {"batchItemFailures": [{"itemIdentifier": "poison"}]}
    assert runtime.container.outreach_repo.reflection_report("u1", job.slot) is None  # not run here
    [moved] = runtime.job_queue._pending
    assert json.loads(moved["body"]) == job.to_dict() and moved["group_id"] == "u1" and moved["dedup_id"] == job.dedup_id
    runtime.run_queued()
    assert runtime.container.outreach_repo.reflection_report("u1", job.slot) is not None
