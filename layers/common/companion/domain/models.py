"""Value objects that cross the service boundary: turns, memories, replies."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .text import clean_text

if TYPE_CHECKING:
    from .pad import PAD
    from .personality import BigFive

COMMANDS = ("companion", "memories", "personality", "forget", "forget-me", "export", "why", "settings", "remember")
MAX_MESSAGE_CHARS = 4000  # Discord's own limit on a string option is 6000; we keep turns small
MAX_FACT_CHARS = 500  # a pinned fact (/remember) is kept word for word and recalled into prompts


class InvalidTurn(ValueError):
    """A queued turn that can never be processed (malformed or from an unknown command)."""


@dataclass(frozen=True)
class Turn:
    """One slash-command invocation, as queued by the interactions function."""

    interaction_id: str
    application_id: str
    token: str
    user_id: str
    command: str
    options: dict[str, Any] = field(default_factory=dict)
    username: str = ""
    channel_id: str | None = None
    guild_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("interaction_id", "application_id", "token", "user_id"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise InvalidTurn(f"turn field {name!r} is missing or not a string")
        if self.command not in COMMANDS:
            raise InvalidTurn(f"unknown command {self.command!r}")
        if not isinstance(self.options, dict):
            raise InvalidTurn("turn options must be an object")

    @property
    def message(self) -> str:
        return clean_text(str(self.options.get("message", ""))).strip()

    @property
    def query(self) -> str:
        return clean_text(str(self.options.get("query", ""))).strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "interaction_id": self.interaction_id,
            "application_id": self.application_id,
            "token": self.token,
            "user_id": self.user_id,
            "username": self.username,
            "command": self.command,
            "options": self.options,
            "channel_id": self.channel_id,
            "guild_id": self.guild_id,
        }

    @classmethod
    def from_dict(cls, data: Any) -> "Turn":
        if not isinstance(data, dict):
            raise InvalidTurn("a turn must be a JSON object")
        try:
            return cls(
                interaction_id=data["interaction_id"],
                application_id=data["application_id"],
                token=data["token"],
                user_id=data["user_id"],
                command=data["command"],
                options=data.get("options") or {},
                username=data.get("username") or "",
                channel_id=data.get("channel_id"),
                guild_id=data.get("guild_id"),
            )
        except KeyError as missing:
            raise InvalidTurn(f"turn field {missing} is missing") from None


@dataclass(frozen=True)
class Memory:
    id: str
    user_id: str
    content: str
    memory_type: str  # "episodic" | "semantic"
    importance: float
    created_at: datetime
    similarity: float = 0.0  # dense cosine to the query (0 when found by words only)
    access_count: int = 0
    author: str = "user"  # "user" | "companion"
    score: float = 0.0  # the recall score it was ranked by (domain.recall.memory_score)
    valid_to: datetime | None = None  # set when a newer fact replaced this one (kept as history)
    consolidated_into: str | None = None  # the semantic memory this one was summarised into
    pinned: bool = False  # the person asked to keep it (/remember): never re-scored, summarised or merged

    @property
    def short_id(self) -> str:
        """What the user types to name this memory (/forget 3fa2b1c9)."""
        return self.id.replace("-", "")[:8]


@dataclass(frozen=True)
class ReplyContext:
    """What the reply model is given: the messages for a real LLM, and the same facts structured
    for the offline responder (which cannot read prose)."""

    messages: list[dict[str, str]]
    user_message: str
    emotion_label: str
    traits: dict[str, float]
    memories: list[str]
    rule: str = "none"
    # What the user's message means to them (appraisal.UserEvent); the reply must not contradict it.
    event: Any = None
    quirks: list[tuple[str, float]] = field(default_factory=list)  # active quirks, strongest first
    purpose: str = "reply"  # "reply" | "starter" (a message the companion starts itself)
    fallback: str = ""  # for a starter: the seed's template, what the offline responder says


@dataclass(frozen=True)
class Reply:
    text: str
    model: str
    token_count: int | None = None
    fallback_used: bool = False


@dataclass(frozen=True)
class PersonalitySnapshot:
    user_id: str
    traits: "BigFive"
    pad: "PAD"
    baseline: "PAD"
    updated_at: datetime | None = None  # when ``pad`` was last set (relaxation runs from here)

    @property
    def emotion_label(self) -> str:
        return self.pad.label

    def relaxed_to(self, now: datetime, need_pull: "PAD | None" = None) -> "PersonalitySnapshot":
        """This state as it is at ``now``: the mood relaxed since it was set (moods pass; see
        pad.relax_toward) toward the baseline moved by ``need_pull``, what the urgent needs take
        from it (needs.need_mood_pull). Reads apply it lazily; nothing is written."""
        from dataclasses import replace

        from .pad import relax_toward

        if self.updated_at is None or now <= self.updated_at:
            return self
        hours = (now - self.updated_at).total_seconds() / 3600.0
        target = self.baseline.plus(need_pull) if need_pull is not None else self.baseline
        return replace(self, pad=relax_toward(self.pad, target, hours, self.traits.neuroticism), updated_at=now)


@dataclass(frozen=True)
class StoredInteraction:
    id: int
    user_id: str
    user_message: str
    agent_response: str
    timestamp: datetime
    pad_before: dict | None
    pad_after: dict | None
    llm_model_used: str | None
    interaction_key: str | None = None


@dataclass(frozen=True)
class MemoryRecord:
    """A memory as written: everything the metadata row and the vector index need."""

    id: str
    user_id: str
    content: str
    memory_type: str
    importance: float
    embedding_model: str | None  # None with vector: not embedded yet (the embedder was down)
    vector: Any  # np.ndarray (dim,), L2-normalised, or None
    created_at: datetime
    embedding_input: str | None = None  # what to embed later, when vector is None
    author: str = "user"  # "user" | "companion"
    author_name: str | None = None
    caption: str | None = None  # what an attached image shows
    context_text: str | None = None  # the message this one answered (joins the embedded text)
    search_text: str | None = None  # the indexed text (domain.memory_text.indexed_text)
    search_terms: str = ""  # its stemmed content terms (domain.lexical)
    recipe_version: int | None = None
    pinned: bool = False  # a fact the person asked to keep (/remember; migration 084)

    def payload(self) -> dict[str, Any]:
        """What the search index keeps beside the vectors: the owner it filters on and a few
        labels. Not the words (PostgreSQL has them; a copy in the index would be one more to
        erase) nor the importance (rescored after indexing, so a copy would go stale)."""
        return {
            "user_id": self.user_id,
            "memory_type": self.memory_type,
            "created_at": self.created_at.isoformat(),
            "author": self.author,
        }
