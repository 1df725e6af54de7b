import json

import httpx
import pytest

from companion.adapters.discord_rest import MAX_CONTENT, DiscordRestClient
from companion.domain.commands import SLASH_COMMANDS
from companion.domain.deadline import Deadline, within
from companion.ports import InteractionExpired, ProviderError


def client_with(handler, **kwargs):
    kwargs.setdefault("sleep", SLEPT.append)  # no wall-clock waits in tests
    return DiscordRestClient("https://discord.test/api/v10", http_client=httpx.Client(transport=httpx.MockTransport(handler)), **kwargs)


SLEPT: list[float] = []


def test_edit_original_patches_the_webhook_message_without_mentions():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"id": "9", "type": 20})

    client_with(handler).edit_original("42", "tok", "hi @everyone " + "x" * 3000)
    [request] = seen
    assert request.method == "PATCH"
    assert request.url.path == "/api/v10/webhooks/42/tok/messages/@original"
    body = json.loads(request.content)
    assert body["allowed_mentions"] == {"parse": []}
    assert len(body["content"]) == MAX_CONTENT and body["content"].endswith("…")


def test_rate_limit_is_waited_out_once():
    answers = iter([httpx.Response(429, json={"retry_after": 0.01, "global": False}), httpx.Response(200, json={})])
    client_with(lambda request: next(answers)).edit_original("42", "tok", "hi")


@pytest.mark.parametrize("status, error", [(404, InteractionExpired), (401, InteractionExpired), (500, ProviderError)])
def test_errors_are_told_apart(status, error):
    with pytest.raises(error):
        client_with(lambda request: httpx.Response(status, json={"message": "x"})).edit_original("42", "tok", "hi")


def test_network_failure_is_a_provider_error():
    def handler(request):
        raise httpx.ConnectError("refused")

    with pytest.raises(ProviderError, match="unreachable"):
        client_with(handler).edit_original("42", "tok", "hi")


def test_register_commands_puts_the_command_set_with_the_bot_token():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=[{**c, "id": str(i)} for i, c in enumerate(json.loads(request.content))])

    registered = client_with(handler, bot_token="bot-secret").register_commands("42", SLASH_COMMANDS)
    assert [c["name"] for c in registered] == [c["name"] for c in SLASH_COMMANDS]
    assert seen[0].method == "PUT" and seen[0].url.path == "/api/v10/applications/42/commands"
    assert seen[0].headers["authorization"] == "Bot bot-secret"
    with pytest.raises(ValueError):
        client_with(handler).register_commands("42", SLASH_COMMANDS)


def test_a_file_is_attached_as_multipart_payload_json_and_files_0():
    from companion.local.discord_sink import _multipart

    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"id": "9"})

    client_with(handler).edit_original_with_file("42", "tok", "your data", "export.json", b'{"memories": []}')
    [request] = seen
    assert request.method == "PATCH" and request.url.path.endswith("/webhooks/42/tok/messages/@original")
    payload, files = _multipart(request)
    assert payload["content"] == "your data" and payload["allowed_mentions"] == {"parse": []}
    assert payload["attachments"] == [{"id": 0, "filename": "export.json"}]
    assert files == [("export.json", b'{"memories": []}')]


def test_buttons_are_sent_as_one_action_row_and_an_empty_list_removes_them():
    from companion.ports import Button

    bodies = []

    def handler(request):
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"id": "9"})

    client = client_with(handler)
    client.edit_original_with_buttons("42", "tok", "sure?", [Button("forget-me:confirm", "Yes, erase everything")])
    client.edit_original_with_buttons("42", "tok", "done", [])
    assert bodies[0]["components"] == [{"type": 1, "components": [
        {"type": 2, "style": 4, "label": "Yes, erase everything", "custom_id": "forget-me:confirm"}]}]
    assert bodies[1]["components"] == []


def test_every_command_the_worker_handles_is_registered():
    from companion.domain.models import COMMANDS

    assert {c["name"] for c in SLASH_COMMANDS} == set(COMMANDS)


def test_edit_original_with_an_embed_sends_it_beside_empty_content():
    seen = []

    def handler(request):
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"id": "9", "type": 20})

    embed = {"title": "How I'm doing", "fields": [{"name": "Mood", "value": "relaxed", "inline": True}]}
    client_with(handler).edit_original("42", "tok", "", embeds=[embed])
    [body] = seen
    assert body["content"] == "" and body["embeds"] == [embed] and body["allowed_mentions"] == {"parse": []}


def test_network_errors_and_5xx_are_retried_then_delivered():
    answers = iter([httpx.ConnectError("reset"), httpx.Response(502, text="Bad Gateway"),
                    httpx.Response(503, text="<html>"), httpx.Response(200, json={})])

    def handler(request):
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    sleeps = []
    client_with(handler, sleep=sleeps.append).edit_original("42", "tok", "hi")
    assert sleeps == [0.25, 0.5, 1.0]  # exponential backoff between the four attempts


def test_a_non_json_429_uses_the_retry_after_header():
    answers = iter([httpx.Response(429, text="<html>rate limited</html>", headers={"Retry-After": "0.5"}),
                    httpx.Response(200, json={})])
    sleeps = []
    client_with(lambda request: next(answers), sleep=sleeps.append).edit_original("42", "tok", "hi")
    assert sleeps == [0.5]


def test_a_rate_limit_longer_than_the_deadline_is_not_waited_for():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(429, json={"retry_after": 3.0})

    now = [0.0]
    with within(Deadline(2.0, clock=lambda: now[0])), pytest.raises(ProviderError, match="rate limit"):
        client_with(handler).edit_original("42", "tok", "hi")
    assert len(calls) == 1


def test_retries_stop_at_the_deadline():
    now = [0.0]
    calls = []

    def handler(request):
        calls.append(request)
        now[0] += 0.7  # each failed request takes 0.7 s of a 1 s budget
        return httpx.Response(500, text="oops")

    with within(Deadline(1.0, clock=lambda: now[0])), pytest.raises(ProviderError, match="500"):
        client_with(handler, sleep=lambda s: now.__setitem__(0, now[0] + s)).edit_original("42", "tok", "hi")
    assert len(calls) == 1


def test_each_request_gets_a_timeout_from_what_is_left():
    timeouts = []

    def handler(request):
        timeouts.append(request.extensions["timeout"]["read"])
        return httpx.Response(200, json={})

    with within(Deadline(3.0, clock=lambda: 0.0)):
        client_with(handler).edit_original("42", "tok", "hi")
    assert timeouts == [3.0]


def test_a_bad_bot_token_is_reported_as_such_when_registering_commands():
    with pytest.raises(ProviderError, match="bot token"):
        client_with(lambda request: httpx.Response(401, json={"message": "401: Unauthorized", "code": 0}),
                    bot_token="wrong").register_commands("42", SLASH_COMMANDS)
