"""Stands in for Discord's API on this machine: records what the workers send."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP

import httpx

from ..domain.personality_card import embed_as_text

BASE_URL = "http://discord.local/api/v10"
_EDIT = re.compile(r"^/api/v10/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original$")


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

    def handle(self, request: httpx.Request) -> httpx.Response:
        match = _EDIT.match(request.url.path)
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

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))
