"""One turn of conversation, from a queued Turn to Discord (the other slash commands: commands.py).

A /companion turn is a list of named steps over one ``Conversation`` (the turn's working state):
screen (the injection defence: a flagged message is answered in character by the security service
and goes no further) -> appraise (load-or-create the user, OCC appraisal, PAD update) -> recall (history, embedding,
memories by MMR) -> compose (the seed's personality prompt) -> reply (the reply model) -> persist
(interaction, PAD, needs and the new memory in one transaction, idempotent on the interaction id)
-> deliver (edit the deferred reply) -> index (the memory into the vector store; what an outage
leaves unindexed is finished by a later turn or a redelivery) -> follow up the new memory (its
importance score and conflict check, a job of its own in the user's FIFO group:
services/new_memory.py).

Every turn runs against a deadline (see domain/deadline.py and ``TurnBudget``): the earlier of
the Lambda's remaining time and the interaction token's 15 minutes, less margins. Provider calls
take their timeouts from it; the reply model gets what is left after ``finish_reserve`` (persist,
index and deliver); when that is too little the user gets the in-character apology and the
message is kept. A turn whose token is (nearly) dead is remembered without calling the model.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable

from ..domain import deadline as deadlines
from ..domain.appraisal import Appraisal, appraise
from ..domain.explanation import record_explanation
from ..domain.importance import heuristic_importance
from ..domain.memory_text import COMPANION, embedding_text, indexed_text
from ..domain.models import MAX_MESSAGE_CHARS, Memory, MemoryRecord, Reply, ReplyContext, Turn
from ..domain.needs import need_mood_pull, need_relief, needs_met_by_message
from ..domain.pad import PAD, update_pad_state
from ..domain.prompts import reply_context
from ..domain.security import RESTRICT, SUSPEND, SUSPENSION_NOTICE, shorten
from ..observability import traced
from ..ports import (
    InteractionExpired, InteractionStore, NeedsStore, ProfileStore, ProviderError, ReplyChannel, ReplyModel,
    UnitOfWork,
)
from .commands import CommandService
from .memory import MemoryService
from .conflicts import ConflictService, with_history_lines
from .new_memory import NewMemoryService
from .consolidation import ConsolidationService
from .personality import PersonalityService
from .security import SecurityService
from .users import UserService

log = logging.getLogger(__name__)

HISTORY_TURNS = 6  # recent exchanges given to the reply model
SESSION_IDLE_MINUTES = 30
MEMORIES_PER_TURN = 5
COMPANION_SAID = "You said: "  # marks the companion's own words among recalled memories
OUTAGE_REPLY = (
    "Sorry, I'm having trouble gathering my thoughts right now. I did hear you, and I'll "
    "remember what you said. Could you try again in a little while?"
)
# Memory ids are derived from the interaction, so a redelivered turn writes the same memory.
MEMORY_NAMESPACE = uuid.UUID("6b7a8b91-f3fe-41d6-9a4e-0c0a1c0b7e11")


def turn_memory_id(interaction_id: str, author: str = "user") -> str:
    """The id of the memory a turn stores of what ``author`` ("user" or "companion") said."""
    return str(uuid.uuid5(MEMORY_NAMESPACE, f"{interaction_id}:{author}"))


@dataclass(frozen=True)
class TurnBudget:
    """How a turn's time is split (seconds). Chosen with the worker's timeout, batch size and the
    queue's visibility timeout (template.yaml, README "Time budgets")."""

    max_turn: float = 25.0  # no turn takes longer, whatever the Lambda has left
    lambda_margin: float = 2.0  # kept for returning the batch response before the Lambda's end
    token_margin: float = 30.0  # the reply must reach Discord before the token dies (clock skew)
    finish_reserve: float = 3.0  # after the model: persist, deliver and index
    min_model_time: float = 1.0  # less than this and the model is not called at all

    def seconds(self, *, lambda_left: float | None, token_left: float | None) -> float:
        limits = [self.max_turn]
        if lambda_left is not None:
            limits.append(lambda_left - self.lambda_margin)
        if token_left is not None:
            limits.append(token_left - self.token_margin)
        return min(limits)

    def too_old(self, token_left: float | None) -> bool:
        """The token will be dead before a reply could be composed and sent."""
        return token_left is not None and token_left - self.token_margin < self.finish_reserve + self.min_model_time


@dataclass(frozen=True)
class TurnOutcome:
    command: str
    status: str  # "replied" | "duplicate" | "rejected" | "expired" | "too_old" | "flagged" | "suspended"
    latency_ms: int = 0
    fallback_used: bool = False
    memories_retrieved: int = 0


@dataclass
class Conversation:
    """The working state of one /companion turn, filled in step by step."""

    turn: Turn
    now: datetime
    started: float
    deadline: deadlines.Deadline | None = None
    appraisal: Appraisal | None = None
    traits: dict[str, float] = field(default_factory=dict)
    pad_before: PAD | None = None
    pad_after: PAD | None = None
    session_id: str | None = None
    session_length: int = 0
    history: list[Any] = field(default_factory=list)
    embedding_input: str = ""
    previous: str | None = None  # the user's message before this one in the session
    vector: Any = None  # the message's embedding; None when the embedder is down
    recalled: list[Memory] = field(default_factory=list)
    context: ReplyContext | None = None
    reply: Reply | None = None
    error: str | None = None
    memory: MemoryRecord | None = None
    needs: list[Any] = field(default_factory=list)  # as they were before this message met any
    needs_met: set[str] = field(default_factory=set)  # the needs this message meets
    quirks: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what else shaped the reply, for /why
    restricted: bool = False  # escalation level 2: short replies, no new memories
    screened: str | None = None  # set when the screen answered the turn itself
    reply_memory: MemoryRecord | None = None  # the companion's own words, remembered too
    superseded: dict[str, list[Memory]] = field(default_factory=dict)  # recalled id -> what it replaced
    asked: Any = None  # the memory conflict this reply asks the user about
    local_hour: int | None = None  # the hour on the user's clock (their time zone), for late-night rest

    @property
    def message(self) -> str:
        return self.turn.message

    @property
    def user_id(self) -> str:
        return self.turn.user_id


class TurnService:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        profiles: ProfileStore,
        needs: NeedsStore,
        interactions: InteractionStore,
        users: UserService,
        memory: MemoryService,
        reply_model: ReplyModel,
        replies: ReplyChannel,
        clock: Callable[[], datetime],
        commands: CommandService,
        personality: PersonalityService,
        security: SecurityService,
        conflicts: ConflictService,
        consolidation: ConsolidationService,
        outreach: Any,
        new_memory: NewMemoryService,
        budget: TurnBudget = TurnBudget(),
        monotonic: Callable[[], float] = time.monotonic,
        remember_replies: bool = False,
    ):
        self.uow = uow
        self.profiles = profiles
        self.needs = needs
        self.interactions = interactions
        self.users = users
        self.memory = memory
        self.reply_model = reply_model
        self.replies = replies  # where the answer goes: Discord's deferred reply, or the API's mailbox
        self.clock = clock
        self.commands = commands  # /memories, /personality, /settings, /forget, /export, /why
        self.conflicts = conflicts
        self.consolidation = consolidation
        self.personality = personality
        self.budget = budget
        self.monotonic = monotonic
        self.security = security
        # The companion's own replies as memories (author "companion"), so "what did you
        # recommend?" can be answered. Off by default until /forget and /export treat them.
        self.remember_replies = remember_replies
        self.outreach = outreach  # proactive outreach: a user's message answers the last one
        # The new memory's importance score and conflict check, after the reply (a job).
        self.new_memory = new_memory

    def process(self, turn: Turn, *, lambda_left: float | None = None) -> TurnOutcome:
        """``lambda_left``: seconds the invocation has left (None outside Lambda)."""
        handler = self._converse if turn.command == "companion" else self._command
        token_left = deadlines.token_seconds_left(turn.interaction_id, self.clock())
        seconds = self.budget.seconds(lambda_left=lambda_left, token_left=token_left)
        try:
            with deadlines.within(deadlines.Deadline.after(seconds, self.monotonic)):
                return handler(turn)
        except InteractionExpired:
            # The user's state is saved; only the visible reply is lost, and no retry can send it.
            log.warning("interaction token expired before the reply was sent", extra={"user_id": turn.user_id})
            return TurnOutcome(turn.command, "expired")

    def _command(self, turn: Turn) -> TurnOutcome:
        if not self.commands.handles(turn.command):
            raise KeyError(f"unknown command {turn.command!r}")
        self.commands.run(turn)
        return TurnOutcome(turn.command, "replied")

    # --- /companion ----------------------------------------------------------------------------

    def _converse(self, turn: Turn) -> TurnOutcome:
        rejection = self._rejection(turn.message)
        if rejection:
            self._send(turn, rejection)
            return TurnOutcome(turn.command, "rejected")
        if self._redeliver(turn):
            return TurnOutcome(turn.command, "duplicate")

        c = Conversation(turn=turn, now=self.clock(), started=time.perf_counter(), deadline=deadlines.current())
        if self._screen(c):  # first: not even a too-old turn may store an attack as a memory
            return TurnOutcome(turn.command, c.screened, self._elapsed_ms(c))
        if self.budget.too_old(deadlines.token_seconds_left(turn.interaction_id, c.now)):
            return self._remember_unanswered(c)
        self._appraise(c)
        self._hear_clarification(c)
        self._recall(c)
        self._prefer_summaries(c)
        self._recall_history(c)
        self._compose(c)
        self._reply(c)
        self._restrict(c)
        self._ask_about_conflict(c)
        if not self._persist(c):  # already recorded (a concurrent delivery, or a lost commit ack)
            self._redeliver(turn)
            return TurnOutcome(turn.command, "duplicate")
        self._develop_quirks(c)
        self._send(turn, c.reply.text)  # before indexing: the user's wait ends as soon as it can
        self._index(c)
        self._after_delivery(c)
        self._follow_up_memory(c)
        return TurnOutcome(turn.command, "replied", self._elapsed_ms(c), c.reply.fallback_used,
                           memories_retrieved=len(c.recalled))

    @staticmethod
    def _rejection(message: str) -> str | None:
        if not message:
            return "You didn't say anything. What's on your mind?"
        if len(message) > MAX_MESSAGE_CHARS:
            return (f"That message is too long for me ({len(message):,} characters; the limit is "
                    f"{MAX_MESSAGE_CHARS:,}).")
        return None

    def _redeliver(self, turn: Turn) -> bool:
        """SQS is at-least-once: a turn that already happened finishes what may not have (its
        memory's indexing and its job) and sends the stored reply again."""
        done = self.interactions.find_interaction(turn.user_id, turn.interaction_id)
        if done is None:
            return False
        self.memory.index_pending(turn.user_id, self.clock())
        # The first delivery may have failed before queueing the memory's job. The same slot as
        # the first time, so the queue drops a repeat (and the job is idempotent).
        self._queue_memory_job(turn.user_id, turn.interaction_id, done.timestamp)
        if done.agent_response:  # empty when the turn was too old to answer
            self._send(turn, done.agent_response)
        return True

    def _remember_unanswered(self, c: Conversation) -> TurnOutcome:
        """The token dies before any reply could reach the user: keep the message (and what it
        does to the companion's mood) without calling the model; embed the memory later."""
        log.warning("turn too old to answer; remembering it without a reply",
                    extra={"user_id": c.user_id, "interaction_id": c.turn.interaction_id})
        self._appraise(c)
        c.reply = Reply(text="", model="none", fallback_used=False)
        c.error = "too old to answer: the interaction token expired before a reply was possible"
        if self._persist(c):
            self._follow_up_memory(c)
        return TurnOutcome(c.turn.command, "too_old")

    def _screen(self, c: Conversation) -> bool:
        """The injection screen, before anything else touches the message. True when it answered
        the turn itself: a suspended user gets the notice; a flagged message gets the security
        service's in-character answer and is never stored as a memory nor shown to the reply
        model. A restricted user's turn goes on, short and unremembered."""
        level = self.security.standing(c.user_id, c.now)  # the status follows the level both ways
        if level >= SUSPEND:
            self._send(c.turn, SUSPENSION_NOTICE)
            c.screened = "suspended"
            return True
        assessment = self.security.assess(c.message)
        if assessment.flagged:
            text = self.security.defend(c.turn, assessment, c.now)
            if text is not None:  # None: a concurrent delivery recorded it and replies
                self._send(c.turn, text)
            c.screened = "flagged" if text is not None else "duplicate"
            return True
        c.restricted = level >= RESTRICT
        return False

    def _restrict(self, c: Conversation) -> None:
        if c.restricted:
            c.reply = replace(c.reply, text=shorten(c.reply.text))

    def _appraise(self, c: Conversation) -> None:
        self.users.ensure_user(c.user_id, c.turn.username, now=c.now)
        c.local_hour = c.now.astimezone(self.personality.local_zone(c.user_id)).hour
        c.needs = self.personality.current_needs(c.user_id, c.now)
        # The mood relaxed since last set, toward the temperament less what urgent needs take.
        personality = self.personality.current(c.user_id, c.now, needs=c.needs)
        c.traits = personality.traits.as_dict()
        c.appraisal = appraise(c.message)
        c.pad_before = personality.pad
        c.needs_met = needs_met_by_message(c.message, c.local_hour)
        relief = need_relief(c.needs, c.needs_met)  # meeting a need gives back what its lack took
        c.pad_after = update_pad_state(update_pad_state(personality.pad, c.appraisal.delta), relief)
        self._note_needs(c, relief)

    @staticmethod
    def _note_needs(c: Conversation, relief: PAD) -> None:
        """For /why: what the companion's needs did to its mood this turn."""
        pull = need_mood_pull(c.needs)
        if pull.pleasure < 0:
            urgent = ", ".join(n.need_type for n in c.needs if n.urgency > 0)
            c.notes.append(f"My unmet needs ({urgent}) were weighing on my mood ({pull.pleasure:+.2f} pleasure).")
        if relief.pleasure > 0:
            met = ", ".join(n.need_type for n in c.needs if n.need_type in c.needs_met and n.urgency > 0)
            c.notes.append(f"Your message met my {met} need, which lifted my mood ({relief.pleasure:+.2f} pleasure).")

    @traced("recall")
    def _recall(self, c: Conversation) -> None:
        c.session_id, c.session_length = self.interactions.current_session(c.user_id, c.now, SESSION_IDLE_MINUTES)
        c.history = self.interactions.recent_exchanges(c.user_id, HISTORY_TURNS)
        c.previous = previous = c.history[-1].user_message if c.session_id and c.history else None
        # One embedding serves both recall (what does this remind me of?) and the new memory.
        c.embedding_input = embedding_text(
            indexed_text(c.message, author_name=c.turn.username or "user", when=c.now), previous)
        try:
            c.vector = self.memory.embed_document(c.embedding_input)
        except ProviderError as exc:
            # Answer anyway: recall by words now, embed this memory when the embedder is back.
            log.warning("embedder unavailable", extra={"user_id": c.user_id, "error": str(exc)})
        if c.vector is not None:
            c.recalled = self.memory.search(c.user_id, c.message, k=MEMORIES_PER_TURN, now=c.now,
                                            query_vector=c.vector)
        else:
            c.recalled = self.memory.search_text(c.user_id, c.message, k=MEMORIES_PER_TURN, now=c.now)

    # --- keeping memory true (services/conflicts.py): hear an answer, show history, ask, check -----

    def _hear_clarification(self, c: Conversation) -> None:
        """If the last reply asked which of two statements is true, this message answers it."""
        note = self.conflicts.hear(c.user_id, c.message, c.now)
        if note:
            c.notes.append(f"Your message answered my question about a contradiction: {note}.")

    def _prefer_summaries(self, c: Conversation) -> None:
        """A recalled memory that was consolidated is represented by its summary."""
        if c.recalled:
            c.recalled = self.consolidation.prefer_summaries(c.user_id, c.recalled)

    def _recall_history(self, c: Conversation) -> None:
        """What the recalled memories replaced, given to the model as the past, not as now."""
        if c.recalled:
            c.recalled = self.conflicts.current_only(c.user_id, c.recalled)
            c.superseded = self.conflicts.history_for(c.user_id, c.recalled)
            for old in c.superseded.values():
                c.notes.append("Older statements replaced by what I recalled were in my prompt as history: "
                               + "; ".join(f'"{m.content}"' for m in old))

    def _ask_about_conflict(self, c: Conversation) -> None:
        pending = self.conflicts.question(c.user_id)
        if pending is not None:
            c.asked, question = pending
            c.reply = replace(c.reply, text=f"{c.reply.text}\n\n{question}")
            c.notes.append("I asked you whether two of your statements still both hold (a possible contradiction).")

    def _follow_up_memory(self, c: Conversation) -> None:
        """After the reply: note the conflict question asked, and hand the new memory to its job
        (importance score, conflict check: services/new_memory.py), which runs before the user's
        next turn. Never fails the turn, which is already saved and answered."""
        if c.asked is not None:
            try:
                self.conflicts.mark_asked(c.user_id, c.asked, c.turn.interaction_id, c.now)
            except Exception:  # noqa: BLE001 - the question is asked again next turn: not worth a failed turn
                log.exception("could not note the conflict question asked", extra={"user_id": c.user_id})
        if not c.restricted:  # a restricted turn stores no memory
            self._queue_memory_job(c.user_id, c.turn.interaction_id, c.now)

    def _queue_memory_job(self, user_id: str, interaction_id: str, at: datetime) -> None:
        try:
            self.new_memory.after_reply(user_id, turn_memory_id(interaction_id), interaction_id, at)
        except Exception:  # noqa: BLE001 - a rough score or a missed contradiction is not worth a failed turn
            log.exception("new memory follow-up failed", extra={"user_id": user_id})

    def _compose(self, c: Conversation) -> None:
        c.quirks = self.personality.active_quirks(c.user_id)
        c.context = reply_context(c.message, c.traits, c.pad_after, c.appraisal, c.needs, c.quirks, c.history,
                                  with_history_lines(c.recalled, c.superseded, line=self._recalled_line))

    @staticmethod
    def _recalled_line(memory: Memory) -> str:
        """A recalled memory as the reply model sees it: its own past words are marked as such."""
        return f"{COMPANION_SAID}{memory.content}" if memory.author == COMPANION else memory.content

    @traced("reply_model")
    def _reply(self, c: Conversation) -> None:
        """The model gets the turn's time less ``finish_reserve`` (persist, deliver, index)."""
        reply_deadline = c.deadline.earlier(self.budget.finish_reserve) if c.deadline else None
        try:
            if reply_deadline is not None and reply_deadline.remaining() < self.budget.min_model_time:
                raise ProviderError(f"no time left for the reply model ({reply_deadline.remaining():.1f}s)")
            with deadlines.within(reply_deadline):
                c.reply = self.reply_model.reply(c.context)
        except ProviderError as exc:
            log.error("reply model unavailable", extra={"user_id": c.user_id, "error": str(exc)})
            c.reply, c.error = Reply(text=OUTAGE_REPLY, model="none", fallback_used=True), str(exc)

    @traced("persist")
    def _persist(self, c: Conversation) -> bool:
        """Interaction, PAD, needs and the new memory in one transaction; False when this
        interaction was already recorded by a concurrent delivery."""
        memory_id = turn_memory_id(c.turn.interaction_id)
        # The importance scorer runs after the reply (services/new_memory.py): the heuristic until then.
        provisional = heuristic_importance(c.message)
        c.memory = self.memory.prepare(c.user_id, c.message, memory_id=memory_id, now=c.now, vector=c.vector,
                                       embedding_input=c.embedding_input or None, importance=provisional,
                                       defer_embedding=c.vector is None,
                                       author_name=c.turn.username or None, context=c.previous)
        if c.error is None and self.remember_replies:
            # Saved unembedded in this transaction; embedded and indexed after delivery. Embedded
            # without the user's message as context, or it would outrank the user's own words.
            c.reply_memory = self.memory.prepare(
                c.user_id, c.reply.text, now=c.now, defer_embedding=True, author=COMPANION,
                author_name=COMPANION, importance=heuristic_importance(c.reply.text),
                memory_id=turn_memory_id(c.turn.interaction_id, COMPANION))
        # One transaction, idempotent on the interaction id: safe to run again after a dropped
        # connection (a retry finds its own committed row and changes nothing).
        return self.uow.run_scoped(c.user_id, lambda tx: self._write(c, tx))

    def _write(self, c: Conversation, tx) -> bool:
        interaction_id = self.interactions.insert_interaction(
            tx,
            interaction_key=c.turn.interaction_id,
            timestamp=c.now,
            user_id=c.user_id,
            user_message=c.message,
            agent_response=c.reply.text,
            session_id=c.session_id or str(uuid.uuid4()),
            conversation_length=c.session_length + 1,
            pad_before=c.pad_before.as_dict(),
            pad_after=c.pad_after.as_dict(),
            emotion_before=c.pad_before.label,
            emotion_after=c.pad_after.label,
            response_time_ms=self._elapsed_ms(c),
            token_count=c.reply.token_count,
            llm_model_used=c.reply.model,
            memories_retrieved=len(c.recalled),
            memories_stored=0 if c.restricted else 1 + (c.reply_memory is not None),
            error_occurred=c.error is not None,
            error_message=c.error,
            fallback_used=c.reply.fallback_used,
            explanation=self._explanation(c),
        )
        if interaction_id is None:
            return False
        self.profiles.set_pad(tx, c.user_id, c.pad_after, f"interaction:{c.appraisal.rule}", c.now)
        self.needs.satisfy_needs(tx, c.user_id, sorted(c.needs_met), c.now)
        if not c.restricted:
            self.memory.save(tx, c.memory, interaction_id)
            if c.reply_memory is not None:
                self.memory.save(tx, c.reply_memory, interaction_id)
        self.profiles.touch_profile(tx, c.user_id, c.turn.username, c.now)
        self.outreach.note_user_turn(tx, c.user_id, c.now, c.turn.channel_id, c.turn.guild_id)
        return True

    def _develop_quirks(self, c: Conversation) -> None:
        """Habits grow from exchanges. Never fatal: the turn is already saved and answered."""
        try:
            self.personality.observe_exchange(c.user_id, c.history, c.message, c.reply.text, c.now)
        except Exception:  # noqa: BLE001 - a quirk is not worth failing (and re-running) a turn
            log.exception("quirk detection failed", extra={"user_id": c.user_id})

    @staticmethod
    def _explanation(c: Conversation) -> dict:
        """What /why will tell about this reply, recorded now (it is never recomputed)."""
        return record_explanation(
            memories=c.recalled, pad_before=c.pad_before.as_dict(), pad_after=c.pad_after.as_dict(),
            emotion_before=c.pad_before.label, emotion_after=c.pad_after.label, rule=c.appraisal.rule,
            system_prompt=c.context.messages[0]["content"] if c.context else "", model=c.reply.model,
            fallback_used=c.reply.fallback_used, error=c.error, notes=c.notes,
            history=[m for replaced in c.superseded.values() for m in replaced],
        )

    def _index(self, c: Conversation) -> None:
        if c.memory.vector is not None and not c.restricted:
            self.memory.index(c.user_id, [c.memory], c.now)

    def _after_delivery(self, c: Conversation) -> None:
        """Work the user need not wait for: embed and index the companion's reply (and anything
        an earlier outage left unembedded or unindexed), record which memories were recalled."""
        if c.memory.vector is not None:
            self.memory.index_pending(c.user_id, c.now)
        self.memory.flush_access()

    @traced("discord")
    def _send(self, turn: Turn, text: str) -> None:
        self.replies.edit_original(turn.application_id, turn.token, text)

    @staticmethod
    def _elapsed_ms(c: Conversation) -> int:
        return int((time.perf_counter() - c.started) * 1000)
