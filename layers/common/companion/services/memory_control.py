"""The user's control over what the companion keeps: /forget, /forget-me, /export.

Each command answers with a ``ControlReply`` (text, and possibly a file or buttons) that the
turn service delivers. Nothing here decides *what* is the user's data: the repositories find it
(every row with the user's id, every vector tagged with it), so forgetting stays complete as
the schema grows.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Sequence

from ..domain.explanation import render_why
from ..domain.models import Memory
from ..domain.retention import DEFAULT_RETENTION_DAYS
from ..ports import Button, Forgetting, MemoryControlStore, UserDataStore, VectorStore
from .memory import MemoryService

log = logging.getLogger(__name__)

FORGET_ME_CONFIRM = "forget-me:confirm"  # the button's custom_id
MAX_FORGET_AT_ONCE = 10  # a word query matching more than this asks to be narrowed down
MIN_FORGET_SIMILARITY = 0.5  # a query that matches no words forgets its nearest memory only above this
EXPORT_FORMAT = "companion-export/1"
# Export sections, friendliest first; any other table with a user_id follows under its own name.
_SECTIONS = {
    "user_profiles": "profile", "personality_state": "personality", "needs": "needs", "quirks": "quirks",
    "memories": "memories", "memory_conflicts": "memory_conflicts", "interactions": "interactions",
}


@dataclass(frozen=True)
class ControlReply:
    text: str
    file: tuple[str, bytes] | None = None  # (filename, content) attached to the reply
    buttons: tuple[Button, ...] | None = None  # None: no change; (): remove the buttons
    embeds: tuple[dict, ...] = ()  # Discord embeds (the /personality card)


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f'"{text if len(text) <= limit else text[: limit - 1] + "…"}"'


def _memories(n: int) -> str:
    return f"{n} {'memory' if n == 1 else 'memories'}"


class MemoryControlService:
    def __init__(
        self,
        *,
        memory: MemoryService,
        control: MemoryControlStore,
        user_data: UserDataStore,
        vector_store: VectorStore,
        clock: Callable[[], datetime],
        erasers: Sequence[Callable[[str, Sequence[str]], None]] = (),
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ):
        """``erasers`` are extra places a user's traces live (caches): each is called with the
        user id and the forgotten texts (/forget), or all the texts the user's data contained
        (/forget-me, before the rows are deleted). ``retention_days``: the deployment's
        DATA_RETENTION_DAYS (a profile's own wins), which /export states."""
        self.memory = memory
        self.control = control
        self.user_data = user_data
        self.vectors = vector_store
        self.clock = clock
        self.erasers = list(erasers)
        self.retention_days = retention_days

    # --- /forget ---------------------------------------------------------------------------------

    def forget(self, user_id: str, target: str) -> ControlReply:
        done = self.forget_matching(user_id, target)
        return done if isinstance(done, ControlReply) else ControlReply(self.forget_report(done))

    def forget_matching(self, user_id: str, target: str) -> Forgetting | ControlReply:
        """/forget as data (the REST API's): what was forgotten, or the reply saying why nothing
        was (no target, several memories match, nothing matches)."""
        target = target.strip()
        if not target:
            return ControlReply("Tell me what to forget: a memory's id from `/memories` (like `/forget 3fa2b1c9`) "
                                "or words it contains (`/forget my old address`).")
        found = self._find(user_id, target)
        if isinstance(found, ControlReply):
            return found
        ids = [m.id for m in found]
        forgetting = self.control.forget(user_id, ids)
        gone = forgetting.forgotten + forgetting.summaries_removed + forgetting.replies_removed
        for eraser in self.erasers:  # cached vectors of the forgotten texts
            eraser(user_id, [m.content for m in gone])
        removed = [m.id for m in gone]
        self.vectors.delete_points(user_id, removed)
        left = self.vectors.count_user_points(user_id, removed)
        if left:
            raise RuntimeError(f"{left} forgotten memories are still in the vector index")
        return forgetting

    def _find(self, user_id: str, target: str) -> list[Memory] | ControlReply:
        by_id = self.control.find_by_short_id(user_id, target)
        if len(by_id) == 1:
            return by_id
        if len(by_id) > 1:
            listed = "\n".join(f"• `{m.short_id}` {_quote(m.content)}" for m in by_id)
            return ControlReply(f"`{target}` matches several memories; give a few more characters of the id:\n{listed}")
        by_words = self.control.find_by_words(user_id, target, MAX_FORGET_AT_ONCE + 1)
        if len(by_words) > MAX_FORGET_AT_ONCE:
            listed = "\n".join(f"• `{m.short_id}` {_quote(m.content)}" for m in by_words[:5])
            return ControlReply(f"More than {MAX_FORGET_AT_ONCE} memories mention {_quote(target)}. Be more "
                                f"specific, or forget them one by one by id:\n{listed}")
        if by_words:
            # A summary quoting a matched memory goes with it (as "built from it"); naming the
            # summary itself would forget every memory it was made of.
            parents = {m.consolidated_into for m in by_words if m.consolidated_into}
            return [m for m in by_words if m.id not in parents]
        nearest = self.memory.search(user_id, target, k=1, now=self.clock())
        if nearest and nearest[0].similarity >= MIN_FORGET_SIMILARITY:
            return nearest
        return ControlReply(f"I couldn't find a memory matching {_quote(target)}, so I forgot nothing. "
                            f"`/memories {target}` shows what I remember, with ids.")

    @staticmethod
    def forget_report(f: Forgetting) -> str:
        lines = [f"I forgot {_memories(len(f.forgotten))}:"]
        lines += [f"• `{m.id.replace('-', '')[:8]}` {_quote(m.content, 200)}" for m in f.forgotten]
        if f.summaries_removed:
            lines.append("…and what I had summarised from it:")
            lines += [f"• {_quote(m.content, 200)}" for m in f.summaries_removed]
            if f.sources_released:
                lines.append(f"(the other {_memories(f.sources_released)} "
                             "in that summary stay, as separate memories)")
        if f.replies_removed:
            lines.append(f"…and {len(f.replies_removed)} of my own replies that could repeat it.")
        if f.messages_redacted:
            lines.append(f"I also erased it from our conversation history ({f.messages_redacted} message{'' if f.messages_redacted == 1 else 's'}).")
        lines.append("They are gone from my database and my search index.")
        return "\n".join(lines)

    # --- /why ----------------------------------------------------------------------------------

    def why(self, user_id: str) -> ControlReply:
        recorded = self.control.last_explained_reply(user_id)
        if recorded is None:
            return ControlReply("I haven't replied to you yet (or not since you asked me to forget you), "
                                "so there is nothing to explain.")
        return ControlReply(render_why(recorded.explanation, when=recorded.timestamp,
                                       message=recorded.user_message, reply=recorded.agent_response))

    # --- /forget-me ------------------------------------------------------------------------------

    def forget_me(self, user_id: str, confirmed: bool) -> ControlReply:
        if not confirmed:
            return ControlReply(
                "This erases **everything** I have about you: every memory, our whole conversation "
                "history, my personality and mood as they grew with you, needs and quirks. It cannot "
                "be undone, and next time you talk to me you'll meet a brand-new companion.\n"
                "Press the button to go ahead (or send `/forget-me confirm:yes`).",
                buttons=(Button(FORGET_ME_CONFIRM, "Yes, erase everything"),),
            )
        data = self.user_data.export_user(user_id)
        for eraser in self.erasers:
            eraser(user_id, _texts_of(data))
        self.vectors.delete_user(user_id)
        deleted = self.user_data.erase_user(user_id)
        remaining = {t: n for t, n in self.user_data.remaining_rows(user_id).items() if n}
        points = self.vectors.count_user_points(user_id)
        if remaining or points:
            raise RuntimeError(f"erasure incomplete: rows {remaining}, vectors {points}")
        log.info("user erased", extra={"user_id": user_id, "rows": sum(deleted.values())})
        if not any(deleted.values()):
            return ControlReply("I had nothing stored about you, and still have nothing.", buttons=())
        counts = ", ".join(_rows(t, n) for t, n in sorted(deleted.items(), key=lambda kv: -kv[1]) if n)
        return ControlReply(
            f"Done. I erased everything about you ({counts}) and every vector in my search index. "
            f"Checked afterwards: 0 rows left in {len(deleted)} tables, 0 vectors left. "
            "If you talk to me again, you'll meet a brand-new companion. Goodbye, and take care.",
            buttons=(),
        )

    # --- /export ---------------------------------------------------------------------------------

    def export(self, user_id: str) -> ControlReply:
        data = self.user_data.export_user(user_id)
        if not data.get("user_profiles"):
            return ControlReply("We haven't talked yet, so I have nothing of yours to export.")
        now = self.clock()
        document: dict[str, Any] = {"format": EXPORT_FORMAT, "user_id": user_id, "exported_at": now.isoformat()}
        for table, section in _SECTIONS.items():
            rows = data.pop(table, [])
            document[section] = rows[0] if section == "profile" and rows else rows
        document.update(sorted(data.items()))
        kept_days = (document["profile"] or {}).get("data_retention_days") or self.retention_days
        document["retention"] = {"days": kept_days, "promise": (
            f"What you say is kept {kept_days} days, then deleted with everything built from it.")}
        content = json.dumps(document, indent=2, ensure_ascii=False, default=str).encode()
        filename = f"companion-export-{now:%Y%m%d-%H%M%S}.json"
        summary = ", ".join(_rows(table, len(document[section])) for table, section in
                            (("memories", "memories"), ("interactions", "interactions"), ("needs", "needs"),
                             ("quirks", "quirks"), ("memory_conflicts", "memory_conflicts")))
        return ControlReply(f"Here is everything I keep about you, as JSON ({summary}, plus my "
                            f"personality and your profile). I keep what you tell me for {kept_days} days.",
                            file=(filename, content))


_ROW_NAMES = {
    "memories": ("memory", "memories"), "interactions": ("message exchange", "message exchanges"),
    "needs": ("need", "needs"), "personality_state": ("personality record", "personality records"),
    "user_profiles": ("profile", "profiles"), "quirks": ("quirk", "quirks"),
    "memory_conflicts": ("memory conflict", "memory conflicts"),
}


def _rows(table: str, n: int) -> str:
    one, many = _ROW_NAMES.get(table, (f"{table.replace('_', ' ')} row", f"{table.replace('_', ' ')} rows"))
    return f"{n} {one if n == 1 else many}"


def _texts_of(data: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every text the user's data holds that a cache may have been keyed by."""
    texts = []
    for row in data.get("memories", []):
        texts += [row.get("content"), row.get("embedding_input")]
    messages = [row.get("user_message") for row in data.get("interactions", [])]
    texts += messages + [f"{a}\n{b}" for a, b in zip(messages, messages[1:])]
    return [t for t in dict.fromkeys(texts) if t]
