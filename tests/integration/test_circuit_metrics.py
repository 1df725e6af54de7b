"""Circuit breaker state changes reach the operators: the worker's EMF metrics count each
opening, trial (half-open) and closing per dependency, and every opening under CircuitsOpened
(the alarm's metric)."""
import json

import pytest

from companion.adapters.openai_chat import OpenAIChatReplyModel
from companion.adapters.queues import sqs_event
from companion.domain.models import Turn
from companion.local.functions import load_handler
from companion.local.runtime import LocalRuntime
from companion.observability import circuit_metric

from tests.emf import emitted
from tests.fakes import FakeChatServer


class Clock:
    now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def chat():
    server = FakeChatServer(lambda body: "503")
    yield server
    server.close()


@pytest.fixture
def runtime(tmp_path, database_url, embedder, chat):
    model = OpenAIChatReplyModel(api_key="cpk_test", primary_model="Qwen/primary", base_url=chat.base_url, max_retries=0)
    rt = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                      overrides={"reply_model": model})
    yield rt
    rt.close()


def turn_record(runtime, message, user_id):
    payload = runtime.interaction("companion", {"message": message}, user_id, "tester")
    turn = Turn(interaction_id=payload["id"], application_id=payload["application_id"], token=payload["token"],
                user_id=user_id, username="tester", command="companion", options={"message": message})
    return {"message_id": payload["id"], "body": json.dumps(turn.to_dict()), "group_id": user_id,
            "dedup_id": turn.interaction_id, "receives": 1}


def test_breaker_changes_are_counted_per_dependency_through_the_worker(runtime, chat, lambda_context, monkeypatch,
                                                                        capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    worker = load_handler("turn_worker").handler
    breaker = runtime.container.breakers["reply model"]
    breaker.clock = clock = Clock()
    capsys.readouterr()

    # The reply model is down: two failed turns open its breaker (each user still gets the apology).
    for n in (1, 2):
        assert worker(sqs_event([turn_record(runtime, f"hello {n}", f"u{n}")]), lambda_context)["batchItemFailures"] == []
    assert breaker.state == "open"
    down = emitted(capsys)
    assert down[circuit_metric("reply model", "open")] == 1 and down["CircuitsOpened"] == 1
    assert circuit_metric("reply model", "closed") not in down

    # It recovers; after the open period one trial call goes through and closes the breaker.
    chat.policy = lambda body: "ok"
    clock.now += breaker.open_seconds
    assert worker(sqs_event([turn_record(runtime, "hello again", "u3")]), lambda_context)["batchItemFailures"] == []
    assert breaker.state == "closed"
    up = emitted(capsys)
    assert up[circuit_metric("reply model", "half-open")] == 1
    assert up[circuit_metric("reply model", "closed")] == 1
    assert "CircuitsOpened" not in up


def test_every_breaker_reports_its_changes_under_its_own_names(runtime):
    names = {circuit_metric(dependency, state) for dependency in runtime.container.breakers
             for state in ("open", "half-open", "closed")}
    assert len(names) == 15 and "CircuitHalfOpened_vector_index" in names and "CircuitClosed_discord" in names
    assert all(breaker.on_change is not None for breaker in runtime.container.breakers.values())
