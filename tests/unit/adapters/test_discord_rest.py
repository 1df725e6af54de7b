import json

import httpx
import pytest

from companion.adapters.discord_rest import MAX_CONTENT, DiscordRestClient
from companion.domain.commands import SLASH_COMMANDS
from companion.ports import InteractionExpired, ProviderError


def client_with(handler, **kwargs):
    return DiscordRestClient("https://discord.test/api/v10", http_client=httpx.Client(transport=httpx.MockTransport(handler)), **kwargs)


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
