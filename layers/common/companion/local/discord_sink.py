"""Stands in for Discord's API on this machine: records what the workers send."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import httpx

BASE_URL = "http://discord.local/api/v10"
_EDIT = re.compile(r"^/api/v10/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original$")


@dataclass
class LocalDiscordSink:
    edits: dict[str, list[str]] = field(default_factory=dict)  # interaction token -> contents

    def handle(self, request: httpx.Request) -> httpx.Response:
        match = _EDIT.match(request.url.path)
        if request.method != "PATCH" or not match:
            return httpx.Response(404, json={"message": "Unknown Webhook", "code": 10015})
        body = json.loads(request.content)
        self.edits.setdefault(match["token"], []).append(body["content"])
        return httpx.Response(200, json={"id": "1", "content": body["content"], "type": 20})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))
