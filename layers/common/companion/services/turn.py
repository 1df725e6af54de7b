"""One turn of conversation, and the read-only commands, from a queued Turn to Discord.

converse: load-or-create user -> appraisal -> PAD update -> needs satisfaction -> recall (MMR)
-> prompt -> reply model -> persist interaction, PAD, needs and the new memory in one
transaction (idempotent on the interaction id) -> index the memory -> edit the deferred reply.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from ..adapters.postgres import Repository
from ..domain.appraisal import appraise
from ..domain.models import MAX_MESSAGE_CHARS, Reply, ReplyContext, Turn
from ..domain.needs import needs_met_by_message
from ..domain.pad import update_pad_state
from ..domain.prompts import personality_prompt
from ..ports import DiscordClient, InteractionExpired, ProviderError, ReplyModel
from .memory import MemoryService, contextual_text
from .users import UserService

log = logging.getLogger(__name__)

HISTORY_TURNS = 6  # recent exchanges given to the reply model
SESSION_IDLE_MINUTES = 30
MEMORIES_PER_TURN = 5
OUTAGE_REPLY = (
    "Sorry, I'm having trouble gathering my thoughts right now. I did hear you, and I'll "
    "remember what you said. Could you try again in a little while?"
)
# Memory ids are derived from the interaction, so a redelivered turn writes the same memory.
MEMORY_NAMESPACE = uuid.UUID("6b7a8b91-f3fe-41d6-9a4e-0c0a1c0b7e11")


@dataclass(frozen=True)
class TurnOutcome:
    command: str
    status: str  # "replied" | "duplicate" | "rejected" | "expired"
    latency_ms: int = 0
    fallback_used: bool = False
    memories_retrieved: int = 0


class TurnService:
    def __init__(
        self,
        repo: Repository,
        users: UserService,
        memory: MemoryService,
        reply_model: ReplyModel,
        discord: DiscordClient,
        clock: Callable[[], datetime],
    ):
        self.repo = repo
        self.users = users
        self.memory = memory
        self.reply_model = reply_model
        self.discord = discord
        self.clock = clock

    def process(self, turn: Turn) -> TurnOutcome:
        handler = {
            "companion": self._converse,
            "memories": self._memories,
            "personality": self._personality,
        }[turn.command]
        try:
            return handler(turn)
        except InteractionExpired:
            # The user's state is saved; only the visible reply is lost, and no retry can send it.
            log.warning("interaction token expired before the reply was sent", extra={"user_id": turn.user_id})
            return TurnOutcome(turn.command, "expired")

    # --- /companion ----------------------------------------------------------------------------

    def _converse(self, turn: Turn) -> TurnOutcome:
        started = time.perf_counter()
        message = turn.message
        if not message:
            self.discord.edit_original(turn.application_id, turn.token, "You didn't say anything. What's on your mind?")
            return TurnOutcome(turn.command, "rejected")
        if len(message) > MAX_MESSAGE_CHARS:
            self.discord.edit_original(
                turn.application_id, turn.token,
                f"That message is too long for me ({len(message):,} characters; the limit is {MAX_MESSAGE_CHARS:,}).",
            )
            return TurnOutcome(turn.command, "rejected")

        done = self.repo.find_interaction(turn.user_id, turn.interaction_id)
        if done is not None:
            # Redelivery (SQS is at-least-once): the turn already happened. Finish what may not
            # have: index its memory and send the stored reply again.
            self.memory.index_pending(turn.user_id, self.clock())
            self.discord.edit_original(turn.application_id, turn.token, done.agent_response)
            return TurnOutcome(turn.command, "duplicate")

        now = self.clock()
        self.users.ensure_user(turn.user_id, turn.username)
        personality = self.repo.get_personality(turn.user_id)
        appraisal = appraise(message)
        pad_before = personality.pad
        pad_after = update_pad_state(pad_before, appraisal.delta)

        session_id, length = self.repo.current_session(turn.user_id, now, SESSION_IDLE_MINUTES)
        history = self.repo.recent_exchanges(turn.user_id, HISTORY_TURNS)
        previous = history[-1].user_message if session_id and history else None
        # One embedding serves both recall (what does this remind me of?) and the new memory.
        embedding_input = contextual_text(message, previous)
        try:
            vector = self.memory.embedder.embed([embedding_input], kind="document")[0]
        except ProviderError as exc:
            # Answer anyway: recall by words now, embed this memory when the embedder is back.
            log.warning("embedder unavailable", extra={"user_id": turn.user_id, "error": str(exc)})
            vector = None
        if vector is not None:
            recalled = self.memory.search(turn.user_id, message, k=MEMORIES_PER_TURN, now=now, query_vector=vector)
        else:
            recalled = self.memory.search_text(turn.user_id, message, k=MEMORIES_PER_TURN, now=now)
        needs = self.repo.get_needs(turn.user_id)
        context = self._reply_context(message, personality.traits.as_dict(), pad_after, appraisal.rule,
                                      needs, history, [m.content for m in recalled])
        error: str | None = None
        try:
            reply = self.reply_model.reply(context)
        except ProviderError as exc:
            log.error("reply model unavailable", extra={"user_id": turn.user_id, "error": str(exc)})
            reply, error = Reply(text=OUTAGE_REPLY, model="none", fallback_used=True), str(exc)

        memory_id = str(uuid.uuid5(MEMORY_NAMESPACE, f"{turn.interaction_id}:user"))
        record = self.memory.prepare(turn.user_id, message, memory_id=memory_id, now=now, vector=vector,
                                     embedding_input=embedding_input, defer_embedding=vector is None)
        latency_ms = int((time.perf_counter() - started) * 1000)
        with self.repo.db.transaction() as tx:
            interaction_id = self.repo.insert_interaction(
                tx,
                interaction_key=turn.interaction_id,
                timestamp=now,
                user_id=turn.user_id,
                user_message=message,
                agent_response=reply.text,
                session_id=session_id or str(uuid.uuid4()),
                conversation_length=length + 1,
                pad_before=pad_before.as_dict(),
                pad_after=pad_after.as_dict(),
                emotion_before=pad_before.label,
                emotion_after=pad_after.label,
                response_time_ms=latency_ms,
                token_count=reply.token_count,
                llm_model_used=reply.model,
                memories_retrieved=len(recalled),
                memories_stored=1,
                error_occurred=error is not None,
                error_message=error,
                fallback_used=reply.fallback_used,
            )
            if interaction_id is None:  # a concurrent delivery won the race: it replies
                return TurnOutcome(turn.command, "duplicate")
            self.repo.set_pad(tx, turn.user_id, pad_after, f"interaction:{appraisal.rule}", now)
            self.repo.satisfy_needs(tx, turn.user_id, sorted(needs_met_by_message(message)), now)
            self.repo.insert_memory(tx, record, interaction_id)
            self.repo.touch_profile(tx, turn.user_id, turn.username, now)
        if record.vector is not None:
            # Also finishes anything an earlier outage left unembedded or unindexed.
            self.memory.index(turn.user_id, [record], now)
            self.memory.index_pending(turn.user_id, now)
        self.discord.edit_original(turn.application_id, turn.token, reply.text)
        return TurnOutcome(
            turn.command, "replied", latency_ms, reply.fallback_used, memories_retrieved=len(recalled)
        )

    @staticmethod
    def _reply_context(message, traits, pad, rule, needs, history, memories) -> ReplyContext:
        """The seed's personality prompt, the recent exchanges, then the user's message."""
        system = personality_prompt(
            traits=traits,
            pad=pad.as_dict(),
            emotion_label=pad.label,
            needs=[(n.need_type, n.current_level) for n in needs],
            memories=memories,
        )
        messages = [{"role": "system", "content": system}]
        for past in history:
            messages += [
                {"role": "user", "content": past.user_message},
                {"role": "assistant", "content": past.agent_response},
            ]
        messages.append({"role": "user", "content": message})
        return ReplyContext(messages=messages, user_message=message, emotion_label=pad.label,
                            traits=traits, memories=memories, rule=rule)

    # --- /memories and /personality --------------------------------------------------------------

    def _memories(self, turn: Turn) -> TurnOutcome:
        query = turn.query
        if not query:
            text = "Tell me what to look for, e.g. `/memories query: my dog`."
        elif not self.repo.profile_exists(turn.user_id):
            text = "We haven't talked yet, so I don't have any memories of you."
        else:
            found = self.memory.search(turn.user_id, query, k=MEMORIES_PER_TURN, now=self.clock())
            if not found:
                text = f'I don\'t remember anything about "{query}".'
            else:
                lines = [f'What I remember about "{query}":']
                for m in found:
                    when = m.created_at.strftime("%d %b %Y")
                    lines.append(f"• {m.content} ({when}, importance {m.importance:.2f})")
                text = "\n".join(lines)
        self.discord.edit_original(turn.application_id, turn.token, text)
        return TurnOutcome(turn.command, "replied")

    def _personality(self, turn: Turn) -> TurnOutcome:
        self.users.ensure_user(turn.user_id, turn.username)
        p = self.repo.get_personality(turn.user_id)
        needs = self.repo.get_needs(turn.user_id)
        traits = " · ".join(f"{name.capitalize()} {value:.2f}" for name, value in p.traits.as_dict().items())
        text = "\n".join([
            f"**Mood:** {p.emotion_label} (pleasure {p.pad.pleasure:+.2f}, arousal {p.pad.arousal:+.2f}, "
            f"dominance {p.pad.dominance:+.2f})",
            f"**Temperament:** {p.baseline.label} (baseline pleasure {p.baseline.pleasure:+.2f}, "
            f"arousal {p.baseline.arousal:+.2f}, dominance {p.baseline.dominance:+.2f})",
            f"**Traits:** {traits}",
            "**Needs:** " + ", ".join(f"{n.need_type} {n.current_level:.2f}" for n in needs),
            "**Quirks:** none yet",
        ])
        self.discord.edit_original(turn.application_id, turn.token, text)
        return TurnOutcome(turn.command, "replied")
