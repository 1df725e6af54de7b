"""Conversation for clients other than Discord (the REST API): the same turn service the worker
runs, answered synchronously, with Idempotency-Key semantics for retried requests.

An API turn is a ``Turn`` like a Discord one, so it passes the same steps (the security screen
included); only its delivery differs: the reply goes to a mailbox the request collects instead of
to Discord. Its interaction id is derived from the idempotency key (or random without one), so a
retried request meets the turn service's own at-most-once guarantee: one turn, one memory.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Callable

from ..domain.models import StoredInteraction, Turn
from ..ports import IdempotencyStore, InteractionStore, UnknownUser
from .idempotency import IdempotentRequests
from .turn import SESSION_IDLE_MINUTES, TurnService
from .users import UserService

log = logging.getLogger(__name__)

API_APPLICATION_ID = "rest-api"  # stands where a Discord application id would be


@dataclass(frozen=True)
class ChatReply:
    user_id: str
    interaction_key: str
    reply: str
    status: str  # the turn's outcome: "replied", or "duplicate" when it had already happened
    memories_retrieved: int = 0
    fallback_used: bool = False
    latency_ms: int = 0
    replayed: bool = False  # this is a retry's answer, the turn ran once before


@dataclass(frozen=True)
class ChatSession:
    user_id: str
    active: bool  # a message within the last SESSION_IDLE_MINUTES
    session_id: str | None
    message_count: int
    exchanges: list[StoredInteraction] = field(default_factory=list)


def interaction_key_for(user_id: str, idempotency_key: str) -> str:
    """The turn's interaction id for a keyed request (fits interactions.interaction_key)."""
    return "api-" + hashlib.sha256(f"{user_id}\0{idempotency_key}".encode()).hexdigest()[:36]


class ChatService:
    def __init__(
        self,
        *,
        turns: TurnService,
        replies,  # the ReplyMailbox the turn service delivers into
        interactions: InteractionStore,
        idempotency: IdempotencyStore,
        users: UserService,
        clock: Callable[[], datetime],
    ):
        self.turns = turns
        self.replies = replies
        self.interactions = interactions
        self.requests = IdempotentRequests(idempotency, lambda: self.clock())  # the chat's clock, as it is then
        self.users = users
        self.clock = clock

    def send(self, user_id: str, message: str, *, username: str = "",
             idempotency_key: str | None = None) -> ChatReply:
        if idempotency_key is None:
            return self._converse(user_id, message, username, "api-" + uuid.uuid4().hex)
        answer, replayed = self.requests.run(
            user_id, idempotency_key, {"user_id": user_id, "message": message, "username": username},
            lambda: asdict(self._converse(user_id, message, username, interaction_key_for(user_id, idempotency_key))))
        return replace(ChatReply(**answer), replayed=True) if replayed else ChatReply(**answer)

    def _converse(self, user_id: str, message: str, username: str, interaction_key: str) -> ChatReply:
        token = "api-" + secrets.token_urlsafe(18)
        turn = Turn(interaction_id=interaction_key, application_id=API_APPLICATION_ID, token=token,
                    user_id=user_id, command="companion", options={"message": message}, username=username)
        try:
            outcome = self.turns.process(turn)
        finally:
            sent = self.replies.collect(token)
        reply = sent[-1] if sent else None
        if reply is None:  # a concurrent request for the same turn won the race and answered it
            stored = self.interactions.find_interaction(user_id, interaction_key)
            reply = stored.agent_response if stored else ""
        return ChatReply(
            user_id=user_id, interaction_key=interaction_key, reply=reply, status=outcome.status,
            memories_retrieved=outcome.memories_retrieved, fallback_used=outcome.fallback_used,
            latency_ms=outcome.latency_ms, replayed=outcome.status == "duplicate",
        )

    def session(self, user_id: str, *, exchanges: int) -> ChatSession:
        """The conversation still open (if any) and the last ``exchanges`` messages."""
        if not self.users.exists(user_id):
            raise UnknownUser(user_id)
        session_id, count = self.interactions.current_session(user_id, self.clock(), SESSION_IDLE_MINUTES)
        recent = self.interactions.recent_exchanges(user_id, exchanges) if exchanges else []
        return ChatSession(user_id=user_id, active=session_id is not None, session_id=session_id,
                           message_count=count, exchanges=recent)
