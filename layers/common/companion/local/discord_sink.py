"""Stands in for Discord's API on this machine: records what the workers send."""
from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP

import httpx

from ..domain.personality_card import embed_as_text

BASE_URL = "http://discord.local/api/v10"
_EDIT = re.compile(r"^/api/v10/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original$")
_OPEN_DM = "/api/v10/users/@me/channels"
_MESSAGES = re.compile(r"^/api/v10/channels/(?P<channel>[^/]+)/messages$")
DM_PREFIX = "dm-"


@dataclass(frozen=True)
class SentMessage:
    channel_id: str
    content: str
    nonce: str | None
    message_id: str

    @property
    def is_dm(self) -> bool:
        return self.channel_id.startswith(DM_PREFIX)

    @property
    def recipient(self) -> str | None:
        return self.channel_id[len(DM_PREFIX):] if self.is_dm else None


def _multipart(request: httpx.Request) -> tuple[dict, list[tuple[str, bytes]]]:
    """(payload_json, [(filename, bytes)]) of a multipart/form-data message edit."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.content)
    payload, files = {}, []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name == "payload_json":
            payload = json.loads(part.get_content())
        elif part.get_filename():
            files.append((part.get_filename(), part.get_payload(decode=True)))
    return payload, files


@dataclass
class LocalDiscordSink:
    edits: dict[str, list[str]] = field(default_factory=dict)  # interaction token -> contents
    files: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)  # token -> attachments
    buttons: dict[str, list[dict]] = field(default_factory=dict)  # token -> the last row of buttons
    bodies: dict[str, list[dict]] = field(default_factory=dict)  # interaction token -> request bodies

    messages: list[SentMessage] = field(default_factory=list)  # messages the bot started
    closed_dms: set[str] = field(default_factory=set)  # users who do not accept DMs from the bot
    forbidden_channels: set[str] = field(default_factory=set)
    rate_limit_next: list[float] = field(default_factory=list)  # retry_after of 429s to answer next
    requests: list[tuple[str, str]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(900000000000000000))

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append((request.method, path))
        if request.method == "POST" and (path == _OPEN_DM or _MESSAGES.match(path)):
            return self._bot_message(request, path)
        match = _EDIT.match(path)
        if request.method != "PATCH" or not match:
            return httpx.Response(404, json={"message": "Unknown Webhook", "code": 10015})
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            body, files = _multipart(request)
            self.files.setdefault(match["token"], []).extend(files)
        else:
            body = json.loads(request.content)
        if "components" in body:
            self.buttons[match["token"]] = [b for row in body["components"] for b in row["components"]]
        # Embeds are shown as readable text after the content: that is what the local run prints.
        shown = [body["content"]] if body["content"] else []
        shown += [embed_as_text(embed) for embed in body.get("embeds", [])]
        self.edits.setdefault(match["token"], []).append("\n".join(shown))
        self.bodies.setdefault(match["token"], []).append(body)
        return httpx.Response(200, json={"id": "1", "content": body["content"], "type": 20})

    def _bot_message(self, request: httpx.Request, path: str) -> httpx.Response:
        """Messages the bot starts: open a DM channel, post to a channel."""
        if self.rate_limit_next:
            retry_after = self.rate_limit_next.pop(0)
            return httpx.Response(429, json={"message": "You are being rate limited.",
                                             "retry_after": retry_after, "global": False})
        body = json.loads(request.content)
        if path == _OPEN_DM:
            return httpx.Response(200, json={"id": DM_PREFIX + body["recipient_id"], "type": 1})
        return self._create_message(_MESSAGES.match(path)["channel"], body)

    def _create_message(self, channel_id: str, body: dict) -> httpx.Response:
        if channel_id.startswith(DM_PREFIX) and channel_id[len(DM_PREFIX):] in self.closed_dms:
            return httpx.Response(403, json={"message": "Cannot send messages to this user", "code": 50007})
        if channel_id in self.forbidden_channels:
            return httpx.Response(403, json={"message": "Missing Access", "code": 50001})
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce"):
            for sent in self.messages:
                if sent.nonce == nonce and sent.channel_id == channel_id:
                    return httpx.Response(200, json={"id": sent.message_id, "content": sent.content})
        message = SentMessage(channel_id, body["content"], nonce, str(next(self._ids)))
        self.messages.append(message)
        return httpx.Response(200, json={"id": message.message_id, "channel_id": channel_id,
                                         "content": body["content"]})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))
