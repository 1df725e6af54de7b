"""The slash commands other than /companion: /memories, /personality, /settings, /remember, and
the user's control over their data (/forget, /forget-me, /export, /why).

None of them is a conversation: they read (or delete) the user's state and answer by editing the
deferred reply. ``TurnService`` runs them under the same deadline as a turn.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from ..domain.memory_text import COMPANION
from ..domain.models import Memory, Turn
from ..observability import traced
from ..ports import ProfileStore, ReplyChannel
from .consolidation import ConsolidationService
from .conflicts import ConflictService
from .memory import MemoryService
from .memory_control import ControlReply, MemoryControlService
from .insights import InsightService
from .personality import PersonalityService
from .pinned import PinnedFacts
from .settings import SettingsService
from .users import UserService

MEMORIES_SHOWN = 5  # /memories lists this many best matches
PINNED_SHOWN = 10  # /memories without a query lists this many pinned facts first


class CommandService:
    def __init__(
        self,
        *,
        profiles: ProfileStore,
        users: UserService,
        memory: MemoryService,
        personality: PersonalityService,
        replies: ReplyChannel,
        clock: Callable[[], datetime],
        control: MemoryControlService,
        conflicts: ConflictService,
        consolidation: ConsolidationService,
        settings: SettingsService,
        pinned: PinnedFacts,
        insights: InsightService,
    ):
        self.profiles = profiles
        self.users = users
        self.memory = memory
        self.personality = personality
        self.replies = replies
        self.clock = clock
        self.control = control
        self.conflicts = conflicts
        self.consolidation = consolidation
        self.settings = settings  # /settings
        self.pinned = pinned  # /remember (services/pinned.py)
        self.insights = insights  # what the nightly reflection noticed, for /personality
        self._handlers: dict[str, Callable[[Turn], ControlReply]] = {
            "memories": self.memories,
            "personality": self.personality_card,
            "settings": self.user_settings,
            "forget": lambda turn: self.control.forget(turn.user_id, turn.query),
            "forget-me": self.forget_me,
            "export": lambda turn: self.control.export(turn.user_id),
            "why": lambda turn: self.control.why(turn.user_id),
            "remember": lambda turn: self.pinned.remember(turn),
        }

    def handles(self, command: str) -> bool:
        return command in self._handlers

    def run(self, turn: Turn) -> None:
        """Answers the command by editing the user's deferred reply."""
        self._deliver(turn, self._handlers[turn.command](turn))
        self.memory.flush_access()  # after the answer: /memories never waits on this write

    # --- what the companion remembers and is ----------------------------------------------------

    def memories(self, turn: Turn) -> ControlReply:
        query = turn.query
        if not self.profiles.profile_exists(turn.user_id):
            return ControlReply("We haven't talked yet, so I don't have any memories of you.")
        if not query:
            return self._newest_memories(turn.user_id)
        found = self.memory.search(turn.user_id, query, k=MEMORIES_SHOWN, now=self.clock())
        if not found:
            return ControlReply(f'I don\'t remember anything about "{query}".')
        found = self.consolidation.prefer_summaries(turn.user_id, found)
        found = self.conflicts.current_only(turn.user_id, found)
        history = self.conflicts.history_for(turn.user_id, found)
        sources = self.consolidation.sources_of(turn.user_id, found)
        lines = [f'What I remember about "{query}":']
        for m in found:
            lines.append(self._memory_line(m, len(sources.get(m.id, ()))))
            for old in history.get(m.id, []):
                lines.append(f"  ↳ before that: `{old.short_id}` {old.content} "
                             f"({old.created_at:%d %b %Y} – {old.valid_to:%d %b %Y}, no longer true)")
        return ControlReply("\n".join(lines))

    def _newest_memories(self, user_id: str) -> ControlReply:
        """``/memories`` with nothing to look for: the pinned facts, then what the companion took
        in last, facts and summaries alike (current ones only: a superseded fact shows under its
        successor)."""
        pinned = self.memory.pinned_memories(user_id, limit=PINNED_SHOWN)
        newest = sorted(
            (m for kind in ("episodic", "semantic")
             for m in self.memory.list_memories(user_id, kind, limit=MEMORIES_SHOWN + len(pinned))
             if not m.pinned),
            key=lambda m: m.created_at, reverse=True)[:MEMORIES_SHOWN]
        if not newest and not pinned:
            return ControlReply("I don't have any memories of you yet.")
        sources = self.consolidation.sources_of(user_id, newest)
        lines = []
        if pinned:
            lines.append("Pinned (you asked me to keep these):")
            lines += [self._memory_line(m, 0) for m in pinned]
        if newest:
            lines.append("What I remember most recently (to look for something: `/memories query: my dog`):")
            lines += [self._memory_line(m, len(sources.get(m.id, ()))) for m in newest]
        return ControlReply("\n".join(lines))

    @staticmethod
    def _memory_line(m: Memory, summarised: int) -> str:
        said = "I said: " if m.author == COMPANION else ""
        made_of = f", summary of {summarised} memories" if summarised else ""
        pin = "📌 " if m.pinned else ""
        kept = "pinned" if m.pinned else f"importance {m.importance:.2f}"
        return f"• {pin}`{m.short_id}` {said}{m.content} ({m.created_at:%d %b %Y}, {kept}{made_of})"

    def personality_card(self, turn: Turn) -> ControlReply:
        now = self.clock()
        self.users.ensure_user(turn.user_id, turn.username, now=now)
        return ControlReply("", embeds=(self.personality.card(turn.user_id, now,
                                                              noticed=self.insights.noticed(turn.user_id)),))

    def user_settings(self, turn: Turn) -> ControlReply:
        return ControlReply(self.settings.handle(turn.user_id, turn.username, turn.options))

    def forget_me(self, turn: Turn) -> ControlReply:
        confirmed = str(turn.options.get("confirm", "")).strip().lower() == "yes"
        return self.control.forget_me(turn.user_id, confirmed)

    @traced("discord")
    def _deliver(self, turn: Turn, reply: ControlReply) -> None:
        if reply.file is not None:
            self.replies.edit_original_with_file(turn.application_id, turn.token, reply.text, *reply.file)
        elif reply.buttons is not None:
            self.replies.edit_original_with_buttons(turn.application_id, turn.token, reply.text, reply.buttons)
        elif reply.embeds:
            self.replies.edit_original(turn.application_id, turn.token, reply.text, embeds=list(reply.embeds))
        else:
            self.replies.edit_original(turn.application_id, turn.token, reply.text)
