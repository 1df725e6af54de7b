"""A lost COMMIT acknowledgement: the turn's write transaction commits on the server, then the
connection drops before the client hears so. The worker cannot know whether it committed; it
retries, and the interaction id (the idempotency key) makes the retry find its own rows: the
message is stored once, the memory once, and the user gets one reply.

Real PostgreSQL throughout; the fault is a wire proxy (tests.fakes.LostCommitAck) that forwards
the COMMIT and swallows the server's answer."""
import json
import shutil
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from psycopg.conninfo import make_conninfo

from companion.adapters.queues import sqs_event
from companion.domain.models import Turn
from companion.local.functions import load_handler
from companion.local.runtime import LocalRuntime

from tests.fakes import LostCommitAck

MESSAGE = "My sister Emma is moving to Lisbon in May"


@pytest.fixture
def socket_dir():
    path = Path(tempfile.mkdtemp(prefix="pgp-", dir="/tmp"))  # Unix socket paths are short
    yield path
    shutil.rmtree(path, ignore_errors=True)


def proxied(database_url: str, pg_server, socket_dir: Path, **kwargs):
    info = pg_server.get_postmaster_info()
    upstream = str(Path(info.socket_dir) / f".s.PGSQL.{info.port}")
    proxy = LostCommitAck(upstream, socket_dir, b"INSERT INTO interactions", **kwargs)
    name = urlparse(database_url).path.lstrip("/")
    user = urlparse(database_url).username or "postgres"
    assert parse_qs(urlparse(database_url).query)["host"]  # the embedded server listens on a socket
    return proxy, make_conninfo(dbname=name, user=user, host=str(socket_dir), port=LostCommitAck.PORT)


def turn_record(runtime, message, user_id, message_id):
    payload = runtime.interaction("companion", {"message": message}, user_id, "tester")
    turn = Turn(interaction_id=payload["id"], application_id=payload["application_id"], token=payload["token"],
                user_id=user_id, username="tester", command="companion", options={"message": message})
    return turn, {"message_id": message_id, "body": json.dumps(turn.to_dict()), "group_id": user_id,
                  "dedup_id": turn.interaction_id, "receives": 1}


@pytest.fixture
def make_runtime(tmp_path, embedder):
    made = []

    def make(conninfo):
        rt = LocalRuntime(tmp_path / f"rt{len(made)}", database_url=conninfo, qdrant_path=":memory:", embedder=embedder)
        made.append(rt)
        return rt

    yield make
    for rt in made:
        rt.close()


def stored(db_admin, interaction_id):
    interactions = db_admin.execute("SELECT id, agent_response FROM interactions WHERE interaction_key = %s",
                                    (interaction_id,)).fetchall()
    memories = db_admin.execute("SELECT content FROM memories WHERE user_id = 'u1' AND author = 'user'").fetchall()
    return interactions, [m["content"] for m in memories]


@pytest.mark.parametrize("lost_acks", [1, 2], ids=["retried-in-the-turn", "retried-by-redelivery"])
def test_a_lost_commit_ack_stores_the_message_once_and_replies_once(lost_acks, database_url, pg_server, db_admin,
                                                                    socket_dir, make_runtime, lambda_context):
    """One lost ack: the worker's transaction retry finds the committed rows and sends the stored
    reply. Two: the retry's connection drops too, the turn fails and SQS delivers it again; the
    redelivery finds the rows and sends the stored reply."""
    proxy, conninfo = proxied(database_url, pg_server, socket_dir, times=lost_acks)
    runtime = make_runtime(conninfo)
    worker = load_handler("turn_worker").handler
    try:
        turn, record = turn_record(runtime, MESSAGE, "u1", "m1")
        first = worker(sqs_event([record]), lambda_context)
        if lost_acks == 2:
            assert first["batchItemFailures"] == [{"itemIdentifier": "m1"}]  # retried by SQS
            assert runtime.sink.edits.get(turn.token) is None  # nothing was sent yet
            again = dict(record, message_id="m1-again", receives=2)
            assert worker(sqs_event([again]), lambda_context)["batchItemFailures"] == []
        else:
            assert first["batchItemFailures"] == []
    finally:
        proxy.close()
    assert proxy.fired == lost_acks  # the fault really happened, after the server committed

    interactions, memories = stored(db_admin, turn.interaction_id)
    assert len(interactions) == 1 and interactions[0]["agent_response"]
    assert memories == [MESSAGE]
    replies = runtime.sink.edits[turn.token]
    assert replies == [interactions[0]["agent_response"]]  # one reply: the one that was stored

    # A later redelivery of the same record (SQS is at-least-once) changes nothing either.
    worker(sqs_event([dict(record, message_id="m1-late", receives=3)]), lambda_context)
    assert stored(db_admin, turn.interaction_id) == (interactions, memories)
