"""The sample events in events/ run through the real handlers, so `sam local invoke` users get
events that work."""
import json

import pytest

from companion.config import Settings
from companion.domain.models import Turn
from companion.local.functions import load_handler
from companion.wiring import Container, set_container

from .cfn import REPO_ROOT

EVENTS = REPO_ROOT / "events"
SAMPLE_PUBLIC_KEY = "16c058b643a554d86b5c40851b37804e502ac3ee9cbb2095e987f1ff91f4ccb5"


def event(name):
    return json.loads((EVENTS / name).read_text())


class RecordingQueue:
    def __init__(self):
        self.sent = []

    def send(self, body, *, group_id, dedup_id):
        self.sent.append((body, group_id, dedup_id))


@pytest.fixture
def interactions():
    queue = RecordingQueue()
    set_container(Container(Settings(discord_public_key=SAMPLE_PUBLIC_KEY), queue=queue))
    yield load_handler("interactions").handler, queue
    set_container(None)


def test_the_documented_key_is_the_generators():
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", EVENTS / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    assert generate.SAMPLE_PUBLIC_KEY == SAMPLE_PUBLIC_KEY
    assert SAMPLE_PUBLIC_KEY in (EVENTS / "README.md").read_text()


def test_ping_event_is_answered_with_pong(interactions, lambda_context):
    handler, queue = interactions
    response = handler(event("interaction_ping.json"), lambda_context)
    assert response["statusCode"] == 200 and json.loads(response["body"]) == {"type": 1}
    assert queue.sent == []


def test_companion_event_is_deferred_and_queues_the_sample_batchs_first_turn(interactions, lambda_context):
    handler, queue = interactions
    response = handler(event("interaction_companion.json"), lambda_context)
    assert json.loads(response["body"])["type"] == 5
    [(body, group_id, dedup_id)] = queue.sent
    first_record = event("turn_batch.json")["Records"][0]
    assert body == json.loads(first_record["body"])
    assert group_id == first_record["attributes"]["MessageGroupId"]
    assert dedup_id == first_record["attributes"]["MessageDeduplicationId"]


def test_turn_batch_is_answered_by_the_worker(runtime, lambda_context):
    batch = event("turn_batch.json")
    result = load_handler("turn_worker").handler(batch, lambda_context)
    assert result == {"batchItemFailures": []}
    turns = [Turn.from_dict(json.loads(r["body"])) for r in batch["Records"]]
    for turn in turns:
        assert runtime.sink.edits[turn.token]
    stored = runtime.container.interaction_repo.list_interactions(turns[0].user_id)
    assert [i.user_message for i in stored] == [t.message for t in turns]


def test_migrate_create_event_applies_migrations_and_answers_cloudformation(migrate, cloudformation, lambda_context):
    url, received = cloudformation
    create = event("migrate_create.json") | {"ResponseURL": url}  # the sample's URL is a placeholder
    migrate(create, lambda_context)
    [response] = received
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert (response["RequestId"], response["LogicalResourceId"]) == (create["RequestId"], "Migrations")
    assert "001_init.sql" in response["Data"]["Applied"]
