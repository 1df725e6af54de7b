"""Pinned facts: ``/remember <fact>`` keeps a fact exactly as the person said it.

A pinned fact is a memory with importance 1.0 and ``pinned`` set (migration 084): the importance
scorer never re-scores it, the nightly consolidation never folds it into a summary, and
near-duplicate merging never merges it; ``/memories`` lists pinned facts first and ``/export``
carries the flag; ``/forget`` (by id or words) removes it like any memory. It is still checked
for contradictions with what the person said before (the new-memory job), and a later fact can
replace it the way any fact is replaced (kept as history, never deleted).

A pinned fact reaches the reply model's prompt whenever it is recalled, so it is screened like a
message first: a flagged one is answered and recorded by the security service, and never stored.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Callable

from ..domain.models import MAX_FACT_CHARS, Turn
from ..domain.security import RESTRICT, SUSPEND, SUSPENSION_NOTICE
from ..domain.text import clean_text
from .memory import MemoryService
from .memory_control import ControlReply
from .new_memory import NewMemoryService
from .security import SecurityService
from .users import UserService

log = logging.getLogger(__name__)

PINNED_IMPORTANCE = 1.0
# Pinned facts' ids are derived from the interaction: a redelivered /remember writes the same row.
PINNED_NAMESPACE = uuid.UUID("0d5e3a1c-6f4b-4c2e-9a8d-7b1f2e3c4d5a")


def pinned_memory_id(interaction_id: str) -> str:
    return str(uuid.uuid5(PINNED_NAMESPACE, interaction_id))


def fact_of(turn: Turn) -> str:
    return " ".join(clean_text(str(turn.options.get("fact", ""))).split())


class PinnedFacts:
    def __init__(self, *, memory: MemoryService, users: UserService, security: SecurityService,
                 new_memory: NewMemoryService, clock: Callable[[], datetime]):
        self.memory = memory
        self.users = users
        self.security = security
        self.new_memory = new_memory
        self.clock = clock

    def remember(self, turn: Turn) -> ControlReply:
        fact = fact_of(turn)
        if not fact:
            return ControlReply("Tell me what to keep: `/remember fact: my sister's birthday is 3 May`.")
        if len(fact) > MAX_FACT_CHARS:
            return ControlReply(f"That's {len(fact):,} characters; I pin facts word for word, up to "
                                f"{MAX_FACT_CHARS}. Could you say it shorter, or pin it in parts?")
        now = self.clock()
        level = self.security.level(turn.user_id, now)
        if level >= SUSPEND:
            return ControlReply(SUSPENSION_NOTICE)
        assessment = self.security.assess(fact)
        if assessment.flagged:
            answer = self.security.defend(replace(turn, options={"message": fact}), assessment, now)
            return ControlReply(answer or "I didn't pin that.")
        if level >= RESTRICT:
            return ControlReply("I'm not keeping new memories for now, so I can't pin that.")
        self.users.ensure_user(turn.user_id, turn.username, now=now)
        repeat = next((m for m in self.memory.pinned_memories(turn.user_id, limit=200) if m.content == fact), None)
        if repeat is not None:
            return ControlReply(f"📌 That's already pinned (`{repeat.short_id}`): \"{fact}\"")
        memory_id = pinned_memory_id(turn.interaction_id)
        [record] = self.memory.remember(turn.user_id, [{
            "memory_id": memory_id, "content": fact, "now": now, "author_name": turn.username or None,
            "importance": PINNED_IMPORTANCE, "pinned": True,
        }], now)
        # The conflict check (and nothing else: the job leaves a pinned fact's importance alone).
        try:
            self.new_memory.after_reply(turn.user_id, memory_id, turn.interaction_id, now)
        except Exception:  # noqa: BLE001 - a missed contradiction is not worth failing the pin
            log.exception("pinned fact's follow-up failed", extra={"user_id": turn.user_id})
        short = record.id.replace("-", "")[:8]
        return ControlReply(f"📌 Pinned (`{short}`): \"{fact}\"\nI'll keep it just as you said it. "
                            f"`/memories` shows your pinned facts first; `/forget {short}` unpins and forgets it.")
