"""docs/API.md is the live schema's, and the REST API function's sample events run through the
real handler (functions/api/app.py: Mangum in front of the app)."""
import importlib.util
import json

import pytest

from companion.api.docs import render
from companion.local.functions import load_handler
from tests.emf import emitted
from tests.sample_events import EVENTS, sample_event

from tests.infrastructure.cfn import REPO_ROOT


def test_docs_api_md_is_generated_from_the_live_schema(api_app):
    current = (REPO_ROOT / "docs/API.md").read_text()
    assert current == render(api_app.openapi()), "docs/API.md is stale: run `make api-docs`"


def test_every_error_code_is_documented_and_declared(api_app):
    from typing import get_args

    from companion.api.errors import ERROR_CODES, ErrorCode

    assert set(get_args(ErrorCode)) == set(ERROR_CODES)
    schema_codes = api_app.openapi()["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"]
    assert set(schema_codes) == set(ERROR_CODES)


@pytest.fixture
def api_handler(runtime):
    """functions/api/app.py as Lambda loads it, with the sample keys' hashes stored."""
    from companion.domain.api_access import ApiKey, hash_key, parse_key_id

    spec = importlib.util.spec_from_file_location("generate", EVENTS / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    user_id = generate.USER["id"]
    for key, role, users in ((generate.SAMPLE_API_CLIENT_KEY, "client", (user_id,)),
                             (generate.SAMPLE_API_ADMIN_KEY, "admin", ())):
        runtime.container.api_key_repo.insert_key(ApiKey(
            key_id=parse_key_id(key), key_hash=hash_key(key), role=role, user_ids=users,
            label="sample", created_at=runtime.container.clock()))
    return load_handler("api").handler


def call(handler, path, lambda_context):
    response = handler(sample_event(path), lambda_context)
    return response["statusCode"], json.loads(response["body"]), response


def test_health_event(api_handler, lambda_context):
    status, body, _ = call(api_handler, "api/health.json", lambda_context)
    assert status == 200 and body["status"] == "ok"


def test_chat_message_event_is_a_turn_and_its_retry_is_replayed(api_handler, runtime, lambda_context):
    status, body, _ = call(api_handler, "api/chat_message.json", lambda_context)
    assert status == 200 and body["status"] == "replied" and body["reply"]
    status, again, response = call(api_handler, "api/chat_message.json", lambda_context)
    assert status == 200 and again["replayed"] is True and again["reply"] == body["reply"]
    assert response["headers"]["idempotent-replayed"] == "true"
    assert len(runtime.container.interaction_repo.list_interactions(body["user_id"])) == 1


def test_personality_and_admin_stats_events(api_handler, lambda_context):
    status, body, _ = call(api_handler, "api/personality_current.json", lambda_context)
    assert status == 404 and body["error"]["code"] == "user_not_found"  # no message yet
    call(api_handler, "api/chat_message.json", lambda_context)
    status, body, _ = call(api_handler, "api/personality_current.json", lambda_context)
    assert status == 200 and set(body["traits"]) == {"openness", "conscientiousness", "extraversion",
                                                     "agreeableness", "neuroticism"}
    status, body, _ = call(api_handler, "api/admin_stats.json", lambda_context)
    assert status == 200 and body["users_total"] == 1 and body["api_keys_active"] == 2


def test_proactive_and_consolidate_events(api_handler, runtime, lambda_context):
    call(api_handler, "api/chat_message.json", lambda_context)
    status, body, _ = call(api_handler, "api/chat_proactive.json", lambda_context)
    assert status == 200 and body["forced"] is True and body["status"] == "sent" and body["message"]
    # The user wrote a moment ago (and on the wall clock it may be night in UTC, the default zone).
    assert body["overridden"] in ("recently_active", "quiet_hours")
    assert runtime.sink.messages[-1].content == body["message"]
    status, body, _ = call(api_handler, "api/memory_consolidate.json", lambda_context)
    assert status == 200 and body["examined"] == 1 and body["created"] == []  # one memory: nothing to merge


def test_an_operator_triggered_message_is_counted_with_the_sweeps(api_handler, runtime, lambda_context, monkeypatch,
                                                                   capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    call(api_handler, "api/chat_message.json", lambda_context)
    capsys.readouterr()
    status, body, _ = call(api_handler, "api/chat_proactive.json", lambda_context)
    assert status == 200 and body["status"] == "sent"
    counted = emitted(capsys)
    assert counted["ProactiveSent"] == 1 and counted["ProactiveOperatorRequests"] == 1
    call(api_handler, "api/health.json", lambda_context)  # nothing to count: no EMF line, no warning
    assert emitted(capsys) == {}


def test_malformed_events_get_a_clear_answer(api_handler, lambda_context):
    event = sample_event("api/chat_message.json")
    event["body"] = "{not json"
    response = api_handler(event, lambda_context)
    assert response["statusCode"] == 422
    assert json.loads(response["body"])["error"]["code"] == "validation_error"
    event = sample_event("api/health.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/nope"
    response = api_handler(event, lambda_context)
    assert response["statusCode"] == 404 and json.loads(response["body"])["error"]["code"] == "not_found"
