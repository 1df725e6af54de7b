"""The inbound Discord adapter: Discord's interaction webhook. It owns Discord's wire format
(interaction and response types, options, buttons) and the Ed25519 signature and replay checks;
it answers PING, defers slash commands and button presses, and queues them as ``Turn``s for the
worker (services/turn.py).

Kept free of heavy imports: this runs in the function that must answer Discord within 3 s.

A signed body is still untrusted in shape: any interaction that does not have the shape Discord
documents is a 400 (never a 500), and text no store can take (NUL, lone surrogates, other
control characters) is removed here, before it is queued.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from ..domain.models import COMMANDS, MAX_MESSAGE_CHARS, Turn
from ..domain.text import clean_text
from ..ports import TurnQueue

log = logging.getLogger(__name__)

# Interaction and response types from Discord's API reference.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT = 1, 2, 3
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE = 1, 4, 5, 6
EPHEMERAL = 1 << 6
PRIVATE_COMMANDS = {"memories", "personality", "forget", "forget-me", "export", "why", "settings", "remember"}  # only the invoking user sees
# Buttons the companion shows, by custom_id: pressing one runs this command with these options.
BUTTONS = {"forget-me:confirm": ("forget-me", {"confirm": "yes"})}
MAX_BODY_BYTES = 64 * 1024
# Discord signs timestamp + body; a signed request replayed later is still validly signed, so
# only a bounded clock skew (either way) is accepted.
REPLAY_WINDOW_SECONDS = 300


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: dict[str, Any]


def _error(status: int, message: str) -> WebhookResponse:
    return WebhookResponse(status, {"error": message})


def _dict(value: Any) -> dict:
    """A field that should be an object, or an empty one (a malformed payload is no crash)."""
    return value if isinstance(value, dict) else {}


def _user(interaction: dict) -> dict:
    """The invoking user: member.user in a guild, user in a DM."""
    return _dict(_dict(interaction.get("member")).get("user")) or _dict(interaction.get("user"))


def _plain_ids(interaction: dict, user: dict) -> bool:
    """Ids and the token are strings (or numbers) with nothing unstorable in them."""
    ids = [interaction.get("id"), interaction.get("application_id"), interaction.get("token"), user.get("id")]
    return all(isinstance(v, (str, int)) and not isinstance(v, bool) and clean_text(str(v)) == str(v) for v in ids)


def _plain_id(value: Any) -> str | None:
    return clean_text(str(value)) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _username(user: dict) -> str:
    return clean_text(user["username"]) if isinstance(user.get("username"), str) else ""


def _say(content: str) -> WebhookResponse:
    return WebhookResponse(200, {"type": CHANNEL_MESSAGE, "data": {"content": content, "flags": EPHEMERAL}})


def _turn(interaction: dict, user: dict, command: str, options: dict) -> Turn:
    """The queued turn for a slash command or a button press (ValueError when it cannot be one)."""
    return Turn(
        interaction_id=str(interaction.get("id") or ""),
        application_id=str(interaction.get("application_id") or ""),
        token=str(interaction.get("token") or ""),
        user_id=str(user.get("id") or ""),
        username=_username(user),
        command=command,
        options=options,
        channel_id=_plain_id(interaction.get("channel_id")),
        guild_id=_plain_id(interaction.get("guild_id")),
    )


class InteractionWebhook:
    def __init__(self, public_key_hex: str, queue: TurnQueue, *, clock: Callable[[], float] = time.time):
        """``clock`` returns the current Unix time in seconds (the replay window's "now")."""
        try:
            self._verify_key = VerifyKey(bytes.fromhex(public_key_hex))
        except ValueError as exc:
            raise ValueError("DISCORD_PUBLIC_KEY must be the application's hex Ed25519 key") from exc
        self._queue = queue
        self._clock = clock

    def verify(self, raw_body: bytes, signature: str | None, timestamp: str | None) -> bool:
        """A valid Ed25519 signature over timestamp + body, and a timestamp within the replay
        window. Both checks always run, so timing does not say which one failed."""
        if not signature or not timestamp:
            return False
        fresh = self._fresh(timestamp)
        try:
            self._verify_key.verify(timestamp.encode() + raw_body, bytes.fromhex(signature))
            signed = True
        except (BadSignatureError, ValueError):
            signed = False
        return signed & fresh

    def _fresh(self, timestamp: str) -> bool:
        # Discord sends whole Unix seconds; anything else (floats, signs, padding) is refused.
        if not (0 < len(timestamp) <= 12 and timestamp.isascii() and timestamp.isdigit()):
            return False
        return abs(self._clock() - int(timestamp)) <= REPLAY_WINDOW_SECONDS

    def handle(self, raw_body: bytes, signature: str | None, timestamp: str | None) -> WebhookResponse:
        if len(raw_body) > MAX_BODY_BYTES:
            return _error(413, "request body too large")
        if not self.verify(raw_body, signature, timestamp):
            return _error(401, "invalid request signature")
        try:
            interaction = json.loads(raw_body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return _error(400, "body is not JSON")
        if not isinstance(interaction, dict):
            return _error(400, "interaction must be a JSON object")
        kind = interaction.get("type")
        if kind == PING:
            return WebhookResponse(200, {"type": PONG})
        if kind == MESSAGE_COMPONENT:
            return self._button(interaction)
        if kind != APPLICATION_COMMAND:
            return _error(400, f"unsupported interaction type {kind!r}")
        return self._command(interaction)

    def _button(self, interaction: dict) -> WebhookResponse:
        """A pressed button runs its command for whoever pressed it; the worker then edits the
        message the button was on (the buttons' own message, ephemeral to that user)."""
        custom_id = _dict(interaction.get("data")).get("custom_id")
        if not isinstance(custom_id, str) or custom_id not in BUTTONS:
            return _say("That button no longer does anything.")
        command, options = BUTTONS[custom_id]
        user = _user(interaction)
        refused = self._enqueue(interaction, user, command, dict(options),
                                busy="I couldn't do that right now. Please try again in a moment.")
        return refused or WebhookResponse(200, {"type": DEFERRED_UPDATE_MESSAGE})

    def _command(self, interaction: dict) -> WebhookResponse:
        data = interaction.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            return _error(400, "interaction data must be an object with a command name")
        name = data["name"]
        if name not in COMMANDS:
            return _say(f"I don't know the command /{clean_text(name)[:32]}.")
        user = _user(interaction)
        raw_options = data.get("options") or []
        if not isinstance(raw_options, list):
            return _error(400, "command options must be a list")
        options = {}
        for o in raw_options:
            if isinstance(o, dict) and isinstance(o.get("name"), str):
                value = o.get("value")
                if not isinstance(value, (str, int, float, bool, type(None))):
                    return _error(400, f"option {clean_text(o['name'])[:32]!r} has a malformed value")
                options[clean_text(o["name"])] = clean_text(value) if isinstance(value, str) else value
        message = str(options.get("message") or options.get("query") or "")
        if len(message) > MAX_MESSAGE_CHARS:
            return _say(
                f"That message is {len(message):,} characters; I can take up to "
                f"{MAX_MESSAGE_CHARS:,} at once. Could you split it up?"
            )
        refused = self._enqueue(interaction, user, name, options,
                                busy="I couldn't take that message right now. Please try again in a moment.")
        if refused:
            return refused
        data_out = {"flags": EPHEMERAL} if name in PRIVATE_COMMANDS else {}
        return WebhookResponse(200, {"type": DEFERRED_CHANNEL_MESSAGE, "data": data_out})

    def _enqueue(self, interaction: dict, user: dict, command: str, options: dict, *, busy: str) -> WebhookResponse | None:
        """Queues the turn (FIFO group = user, deduplicated by the interaction id); None when it
        is queued, else the answer to give: 400 for a malformed shape, ``busy`` when SQS fails."""
        if not _plain_ids(interaction, user):
            return _error(400, "interaction id, application id, token and user id must be plain strings")
        try:
            turn = _turn(interaction, user, command, options)
        except ValueError as exc:
            return _error(400, str(exc))
        try:
            self._queue.send(turn.to_dict(), group_id=turn.user_id, dedup_id=turn.interaction_id)
        except Exception:
            log.exception("could not queue %s %s", command, turn.interaction_id)
            return _say(busy)
        return None
