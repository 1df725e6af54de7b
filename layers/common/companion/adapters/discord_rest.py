"""The few Discord REST calls the workers make, over httpx.

The base URL is configurable so the local runtime and tests can stand in for Discord. Replies are
sent with mentions disabled: whatever a model writes, it can never ping @everyone or a role.
"""
from __future__ import annotations

import json
import logging
import time

import httpx

from ..ports import InteractionExpired, ProviderError

log = logging.getLogger(__name__)

DISCORD_API = "https://discord.com/api/v10"
MAX_CONTENT = 2000  # Discord's limit on a message's content


def fit_content(text: str) -> str:
    text = text.strip() or "…"
    return text if len(text) <= MAX_CONTENT else text[: MAX_CONTENT - 1] + "…"


class DiscordRestClient:
    def __init__(
        self,
        base_url: str = DISCORD_API,
        *,
        http_client: httpx.Client | None = None,
        bot_token: str = "",
        timeout: float = 10.0,
        max_rate_limit_wait: float = 5.0,
    ):
        self._base = base_url.rstrip("/")
        self._http = http_client or httpx.Client(timeout=timeout)
        self._max_wait = max_rate_limit_wait
        self._bot_token = bot_token

    def edit_original(self, application_id: str, token: str, content: str,
                      embeds: list[dict] | None = None) -> None:
        """PATCH /webhooks/{application.id}/{interaction.token}/messages/@original. With
        ``embeds`` the content may be empty (Discord wants one or the other)."""
        url = f"{self._base}/webhooks/{application_id}/{token}/messages/@original"
        body = {"content": fit_content(content) if content.strip() or not embeds else "",
                "allowed_mentions": {"parse": []}}
        if embeds:
            body["embeds"] = embeds[:10]  # Discord's limit per message
        self._send("PATCH", url, body)

    def edit_original_with_file(self, application_id: str, token: str, content: str,
                                filename: str, data: bytes) -> None:
        """The same PATCH as multipart/form-data: ``payload_json`` and ``files[0]``."""
        url = f"{self._base}/webhooks/{application_id}/{token}/messages/@original"
        payload = {
            "content": fit_content(content),
            "allowed_mentions": {"parse": []},
            "attachments": [{"id": 0, "filename": filename}],
        }
        files = {
            "payload_json": (None, json.dumps(payload), "application/json"),
            "files[0]": (filename, data, "application/json"),
        }
        self._send("PATCH", url, None, files=files)

    def edit_original_with_buttons(self, application_id: str, token: str, content: str, buttons) -> None:
        url = f"{self._base}/webhooks/{application_id}/{token}/messages/@original"
        row = [{"type": 2, "style": b.style, "label": b.label, "custom_id": b.custom_id} for b in buttons]
        body = {
            "content": fit_content(content),
            "allowed_mentions": {"parse": []},
            "components": [{"type": 1, "components": row}] if row else [],
        }
        self._send("PATCH", url, body)

    def register_commands(self, application_id: str, commands: list[dict]) -> list[dict]:
        """PUT /applications/{application.id}/commands: replaces the global command set (Discord
        keeps commands not in the list registered otherwise). Needs the bot token."""
        if not self._bot_token:
            raise ValueError("registering commands needs DISCORD_BOT_TOKEN")
        url = f"{self._base}/applications/{application_id}/commands"
        return self._send("PUT", url, commands, headers={"Authorization": f"Bot {self._bot_token}"}).json()

    def _send(self, method: str, url: str, body, headers: dict | None = None, files=None) -> httpx.Response:
        for attempt in range(2):
            try:
                if files is not None:
                    response = self._http.request(method, url, files=files, headers=headers)
                else:
                    response = self._http.request(method, url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                raise ProviderError(f"Discord unreachable: {type(exc).__name__}") from exc
            if response.status_code == 429 and attempt == 0:
                retry_after = float(response.json().get("retry_after", 1.0))
                if retry_after <= self._max_wait:
                    time.sleep(retry_after)
                    continue
            if response.status_code in (401, 404):
                raise InteractionExpired(f"Discord answered {response.status_code}: token expired or unknown")
            if response.status_code >= 400:
                raise ProviderError(f"Discord answered {response.status_code}: {response.text[:200]}")
            return response
        raise ProviderError("Discord rate limit did not clear")
