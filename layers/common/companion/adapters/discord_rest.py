"""The few Discord REST calls the workers make, over httpx.

The base URL is configurable so the local runtime and tests can stand in for Discord. Replies are
sent with mentions disabled: whatever a model writes, it can never ping @everyone or a role.

Editing a deferred reply is idempotent (the same content replaces the same message), so network
errors, 5xx answers and 429s (after their ``retry_after``) are retried a few times, each wait and
each request bounded by the turn's deadline.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Callable

import httpx

from ..domain.deadline import DeadlineExceeded, call_timeout, current
from ..ports import DMsClosed, InteractionExpired, ProviderError, RateLimited
from .live_key import LiveKey

log = logging.getLogger(__name__)

DISCORD_API = "https://discord.com/api/v10"
MAX_CONTENT = 2000  # Discord's limit on a message's content


class BotTokenRefused(ProviderError):
    """Discord answered 401 to a bot call: the token was reset or revoked."""


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
        bot_token_source: Callable[..., str] | None = None,
        timeout: float = 10.0,
        max_rate_limit_wait: float = 5.0,
        attempts: int = 4,
        backoff: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._base = base_url.rstrip("/")
        self._http = http_client or httpx.Client(timeout=timeout)
        self._timeout = timeout
        self._max_wait = max_rate_limit_wait
        # The bot token is live (LiveKey): re-read on the secret cache's age and after a 401.
        self._bot_token = LiveKey(bot_token, lambda token: token, source=bot_token_source, name="Discord bot")
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep

    def edit_original(self, application_id: str, token: str, content: str,
                      embeds: list[dict] | None = None) -> None:
        """PATCH /webhooks/{application.id}/{interaction.token}/messages/@original. With
        ``embeds`` the content may be empty (Discord wants one or the other)."""
        url = f"{self._base}/webhooks/{application_id}/{token}/messages/@original"
        body = {"content": fit_content(content) if content.strip() or not embeds else "",
                "allowed_mentions": {"parse": []}}
        if embeds:
            body["embeds"] = embeds[:10]  # Discord's limit per message
        self._edit(url, body)

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
        self._edit(url, None, files=files)

    def edit_original_with_buttons(self, application_id: str, token: str, content: str, buttons) -> None:
        url = f"{self._base}/webhooks/{application_id}/{token}/messages/@original"
        row = [{"type": 2, "style": b.style, "label": b.label, "custom_id": b.custom_id} for b in buttons]
        body = {
            "content": fit_content(content),
            "allowed_mentions": {"parse": []},
            "components": [{"type": 1, "components": row}] if row else [],
        }
        self._edit(url, body)

    def _edit(self, url: str, body, files=None) -> None:
        """A PATCH of the deferred reply; 401/404 mean the interaction token is dead."""
        response = self._send("PATCH", url, body, files=files)
        if response.status_code in (401, 404):
            raise InteractionExpired(f"Discord answered {response.status_code}: token expired or unknown")

    def register_commands(self, application_id: str, commands: list[dict]) -> list[dict]:
        """PUT /applications/{application.id}/commands: replaces the global command set (Discord
        keeps commands not in the list registered otherwise). Needs the bot token."""
        if not self._bot_token.client:
            raise ValueError("registering commands needs DISCORD_BOT_TOKEN")
        url = f"{self._base}/applications/{application_id}/commands"
        response = self._send("PUT", url, commands, headers={"Authorization": f"Bot {self._bot_token.client}"})
        if response.status_code == 401:
            raise ProviderError("Discord rejected the bot token (401): check DISCORD_BOT_TOKEN")
        if response.status_code == 404:
            raise ProviderError(f"Discord knows no application {application_id} (404): check DISCORD_APPLICATION_ID")
        return response.json()

    def _send(self, method: str, url: str, body, headers: dict | None = None, files=None) -> httpx.Response:
        """One request, retried on network errors, 5xx and 429 while attempts and the deadline
        allow. Returns 2xx, 401 and 404 answers (their meaning depends on the call); raises
        ProviderError for anything else."""
        problem, rate_limit_wait = "no time left to call Discord", None
        for attempt in range(self._attempts):
            if attempt:
                wait = self._retry_wait(rate_limit_wait, attempt)
                if wait is None:
                    break
                self._sleep(wait)
            rate_limit_wait = None
            try:
                timeout = call_timeout(self._timeout)
            except DeadlineExceeded:
                break
            try:
                if files is not None:
                    response = self._http.request(method, url, files=files, headers=headers, timeout=timeout)
                else:
                    response = self._http.request(method, url, json=body, headers=headers, timeout=timeout)
            except httpx.HTTPError as exc:
                problem = f"Discord unreachable: {type(exc).__name__}"
                log.warning("%s (attempt %d)", problem, attempt + 1)
                continue
            status = response.status_code
            if status == 429:
                rate_limit_wait = _retry_after(response)
                problem = f"Discord rate limit (retry after {rate_limit_wait:.2f}s)"
                if rate_limit_wait > self._max_wait:
                    break
                continue
            if status >= 500:
                problem = f"Discord answered {status}"
                log.warning("%s (attempt %d)", problem, attempt + 1)
                continue
            if status < 400 or status in (401, 404):
                return response
            raise ProviderError(f"Discord answered {status}: {response.text[:200]}")
        raise ProviderError(f"{problem}; gave up")

    def _retry_wait(self, rate_limit_wait: float | None, attempt: int) -> float | None:
        """How long to wait before the next attempt, or None when the deadline does not allow it."""
        wait = rate_limit_wait if rate_limit_wait is not None else self._backoff * 2 ** (attempt - 1)
        deadline = current()
        if deadline is not None and deadline.remaining() < wait + 0.1:
            return None
        return wait


    # --- messages the companion starts (proactive DMs) ---------------------------------------------

    def open_dm(self, user_id: str) -> str:
        """POST /users/@me/channels: the DM channel with ``user_id`` (Discord returns the existing
        one if there is one)."""
        return str(self._bot_call("POST", "/users/@me/channels", {"recipient_id": user_id})["id"])

    def create_message(self, channel_id: str, content: str, *, nonce: str | None = None,
                       mention_user_id: str | None = None) -> str:
        """POST /channels/{id}/messages; returns the message id. With a ``nonce`` Discord drops
        a repeat of the same send made within minutes (``enforce_nonce``), so a retried job that
        already sent does not send twice. Only ``mention_user_id`` may be pinged."""
        body: dict = {
            "content": fit_content(f"<@{mention_user_id}> {content}" if mention_user_id else content),
            "allowed_mentions": {"parse": [], "users": [mention_user_id] if mention_user_id else []},
        }
        if nonce:
            body |= {"nonce": nonce[:25], "enforce_nonce": True}
        return str(self._bot_call("POST", f"/channels/{channel_id}/messages", body)["id"])

    def _bot_call(self, method: str, path: str, body: dict, attempts: int = 3) -> dict:
        """A bot-authenticated call: waits out 429s (per-route or global, ``retry_after``) while
        they are short, raises RateLimited when Discord asks for longer, DMsClosed on 403."""
        return self._bot_token.call(lambda token: self._bot_request(token, method, path, body, attempts),
                                    refused=lambda error: isinstance(error, BotTokenRefused))

    def _bot_request(self, token: str, method: str, path: str, body: dict, attempts: int) -> dict:
        headers = {"Authorization": f"Bot {token}"} if token else None
        for attempt in range(attempts):
            try:
                response = self._http.request(method, f"{self._base}{path}", json=body, headers=headers,
                                              timeout=call_timeout(self._timeout))
            except DeadlineExceeded as exc:
                raise ProviderError(str(exc)) from exc
            except httpx.HTTPError as exc:
                raise ProviderError(f"Discord unreachable: {type(exc).__name__}") from exc
            if response.status_code == 429:
                retry_after = _retry_after(response)
                scope = "global" if response.headers.get("x-ratelimit-global") else "route"
                if retry_after > self._max_wait or attempt == attempts - 1:
                    raise RateLimited(f"Discord {scope} rate limit: retry after {retry_after:.1f}s", retry_after)
                log.warning("Discord %s rate limit, waiting %.2fs", scope, retry_after)
                self._sleep(retry_after)
                continue
            if response.status_code == 401:
                raise BotTokenRefused("Discord rejected the bot token (401): check DISCORD_BOT_TOKEN")
            if response.status_code == 403:
                raise DMsClosed(f"Discord refused ({_error_code(response)}): {response.text[:200]}")
            if response.status_code >= 400:
                raise ProviderError(f"Discord answered {response.status_code}: {response.text[:200]}")
            return response.json()
        raise RateLimited("Discord rate limit did not clear", 1.0)


def _retry_after(response: httpx.Response) -> float:
    """Discord's 429 wait: the JSON body's ``retry_after``, else the Retry-After header, else 1 s.
    The body is not always JSON (a proxy or Cloudflare may answer)."""
    try:
        return max(0.0, float(response.json()["retry_after"]))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError):
        pass
    try:
        return max(0.0, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


def _error_code(response: httpx.Response):
    try:
        return response.json().get("code")
    except (ValueError, AttributeError):
        return None
