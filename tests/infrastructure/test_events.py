"""The sample events in events/ (`events/<function>/<case>.json`) run through the real handlers, so
`sam local invoke` users get events that work; each is documented with its `sam local invoke` line."""
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from companion.config import Settings
from companion.domain.deadline import interaction_created_at
from companion.domain.models import Turn
from companion.local.functions import load_handler
from companion.wiring import Container, set_container

from tests.sample_events import EVENTS, SAMPLE_PUBLIC_KEY, all_sample_events, sample_event as event

from .cfn import REPO_ROOT, load_template


class RecordingQueue:
    def __init__(self):
        self.sent = []

    def send(self, body, *, group_id, dedup_id):
        self.sent.append((body, group_id, dedup_id))


@pytest.fixture
def interactions():
    queue = RecordingQueue()
    # The sample events are signed at a fixed time: the function's clock is set to it, since the
    # replay window refuses a signature more than 5 minutes away.
    signed_at = datetime.fromtimestamp(int(event("interactions/ping.json")["headers"]["x-signature-timestamp"]), timezone.utc)
    set_container(Container(Settings(discord_public_key=SAMPLE_PUBLIC_KEY), queue=queue, clock=lambda: signed_at))
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
    response = handler(event("interactions/ping.json"), lambda_context)
    assert response["statusCode"] == 200 and json.loads(response["body"]) == {"type": 1}
    assert queue.sent == []


def test_companion_event_is_deferred_and_queues_the_sample_batchs_first_turn(interactions, lambda_context):
    handler, queue = interactions
    response = handler(event("interactions/companion.json"), lambda_context)
    assert json.loads(response["body"])["type"] == 5
    [(body, group_id, dedup_id)] = queue.sent
    first_record = event("turn_worker/batch.json")["Records"][0]
    assert body == json.loads(first_record["body"])
    assert group_id == first_record["attributes"]["MessageGroupId"]
    assert dedup_id == first_record["attributes"]["MessageDeduplicationId"]


def test_turn_batch_is_answered_by_the_worker(runtime, lambda_context):
    batch = event("turn_worker/batch.json")
    # The sample interactions are snowflakes from 2015: run the worker at their time, as if
    # Discord had just sent them (otherwise they are, rightly, too old to answer).
    first_id = json.loads(batch["Records"][0]["body"])["interaction_id"]
    runtime.container.turns.clock = lambda: interaction_created_at(first_id) + timedelta(seconds=2)
    result = load_handler("turn_worker").handler(batch, lambda_context)
    assert result == {"batchItemFailures": []}
    turns = [Turn.from_dict(json.loads(r["body"])) for r in batch["Records"]]
    for turn in turns:
        assert runtime.sink.edits[turn.token]
    stored = runtime.container.interaction_repo.list_interactions(turns[0].user_id)
    assert [i.user_message for i in stored] == [t.message for t in turns]


def test_migrate_create_event_applies_migrations_and_answers_cloudformation(migrate, cloudformation, lambda_context):
    url, received = cloudformation
    create = event("migrate/create.json") | {"ResponseURL": url}  # the sample's URL is a placeholder
    migrate(create, lambda_context)
    [response] = received
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert (response["RequestId"], response["LogicalResourceId"]) == (create["RequestId"], "Migrations")
    assert "001_init.sql" in response["Data"]["Applied"]


def test_migrate_direct_event_applies_migrations(migrate, lambda_context):
    result = migrate(event("migrate/direct.json"), lambda_context)
    assert "001_init.sql" in result["applied"]


def test_events_are_filed_under_the_function_that_takes_them():
    functions = {name: r["Properties"]["CodeUri"].rstrip("/") for name, r in load_template()["Resources"].items()
                 if r["Type"] == "AWS::Serverless::Function"}
    assert all_sample_events()
    assert not list(EVENTS.glob("*.json")), "events live in events/<function>/, not at the top"
    for folder in {path.split("/")[0] for path in all_sample_events()}:
        assert (REPO_ROOT / "functions" / folder / "app.py").exists(), folder
        assert f"functions/{folder}" in functions.values(), f"no template function has CodeUri functions/{folder}"


def test_every_event_is_documented_with_its_sam_local_invoke_line():
    functions = {r["Properties"]["CodeUri"].rstrip("/"): name for name, r in load_template()["Resources"].items()
                 if r["Type"] == "AWS::Serverless::Function"}
    readme = (EVENTS / "README.md").read_text()
    for path in all_sample_events():
        logical_id = functions[f"functions/{path.split('/')[0]}"]
        line = f"sam local invoke {logical_id} -e events/{path}"
        assert re.search(re.escape(line) + r"\b", readme), f"events/README.md lacks `{line}`"


def test_every_event_is_run_through_its_handler_by_some_test():
    tests = "\n".join(p.read_text() for p in (REPO_ROOT / "tests").rglob("test_*.py"))
    for path in all_sample_events():
        assert f'"{path}"' in tests, f"no test runs events/{path}"
