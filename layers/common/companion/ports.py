"""The small interfaces services depend on. Adapters implement them, one engine each."""
from __future__ import annotations

from dataclasses import dataclass, field
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, Protocol, Sequence

if TYPE_CHECKING:  # the interactions function imports this module and must stay light
    import numpy as np

    from .domain.models import (
        Memory, MemoryRecord, PersonalitySnapshot, Reply, ReplyContext, StoredInteraction,
    )
    from .domain.api_access import ApiKey, IdempotencyRecord
    from .domain.insights import LoggedTurn
    from .domain.needs import Need
    from .domain.operations import FleetStats, IncidentSummary, TurnMetrics, UserSummary
    from .domain.pad import PAD
    from .domain.personality import BigFive
    from .domain.quirks import Exchange, Pattern, Quirk
    from .domain.trends import MoodPoint

# A transaction handle: repositories' write methods take the one ``UnitOfWork.scoped`` yields,
# so one turn's writes across aggregates commit together.
Tx = Any


class ProviderError(RuntimeError):
    """An external provider (LLM, embeddings, Discord) failed after its own retries."""


class UnknownUser(LookupError):
    """No companion exists for this user id (it is created by the user's first message)."""
class DMsClosed(ProviderError):
    """Discord refused to deliver (403; code 50007: the user does not accept DMs from the bot)."""


class RateLimited(ProviderError):
    """Discord asked to wait longer than a call may (``retry_after`` seconds)."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class InteractionExpired(RuntimeError):
    """Discord no longer accepts this interaction's token (tokens live 15 minutes): retrying
    cannot deliver the reply."""


class Embedder(Protocol):
    model_id: str  # stored with every vector: vectors of different models are never compared
    dim: int

    def embed(self, texts: Sequence[str], kind: str = "document") -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised rows. ``kind`` is "document" (what is
        stored) or "query" (what is searched with): asymmetric models embed them differently."""


class ReplyModel(Protocol):
    def reply(self, context: ReplyContext) -> Reply: ...


class FastModel(Protocol):
    """A small, fast model for scoring (Groq in production)."""

    def complete(self, prompt: str, *, max_tokens: int = 10, temperature: float = 0.1) -> str: ...


class ImportanceScorer(Protocol):
    def score(self, content: str, context: dict[str, Any]) -> float: ...


class ThreatScreen(Protocol):
    def assess(self, message: str) -> Any:
        """A ``domain.security.Assessment`` of whether ``message`` is a prompt injection."""


@dataclass(frozen=True)
class VectorHit:
    id: str
    score: float
    payload: dict[str, Any]
    vector: np.ndarray


@dataclass(frozen=True)
class Rankings:
    """One user's memories ranked two ways for a query: (id, score) best first."""

    dense: list[tuple[str, float]]
    lexical: list[tuple[str, float]]


class VectorStore(Protocol):
    """The memory search index (Qdrant, or PostgreSQL itself): dense + lexical per user."""

    def ensure_collection(self, model_id: str, dim: int) -> None: ...

    def upsert(self, model_id: str, user_id: str, points: Sequence[tuple[str, np.ndarray, dict]]) -> None:
        """points are (id, vector, payload); payload["search_terms"] is the lexical text."""

    def search(
        self, model_id: str, user_id: str, vector: np.ndarray, limit: int, min_score: float = 0.0
    ) -> list[VectorHit]: ...

    def rankings(self, model_id: str, user_id: str, vector: np.ndarray | None,
                 terms: Sequence[str], limit: int) -> Rankings:
        """The dense ranking (empty without a vector) and the BM25 ranking of ``terms``."""

    def delete_points(self, user_id: str, point_ids: Sequence[str]) -> None:
        """Remove these points of this user from every collection."""

    def delete_user(self, user_id: str) -> None:
        """Remove every point of this user from every collection."""

    def delete_ids(self, point_ids: Sequence[str]) -> None:
        """Remove these points, whoever's they are, from every collection (the retention purge)."""

    def count_user_points(self, user_id: str, point_ids: Sequence[str] | None = None) -> int:
        """How many points of this user (or of these ids of this user) the index holds."""


class QuirkDetector(Protocol):
    """Finds behavioural patterns in recent exchanges (heuristic, or an LLM behind FastModel)."""

    name: str

    def detect(self, exchanges: Sequence[Exchange]) -> list[Pattern]: ...


class ReplyChannel(Protocol):
    """Delivers a turn's answer to whoever asked: the interaction's deferred reply on Discord
    (adapters/discord_rest.py, behind a breaker), or the REST API request waiting for it
    (adapters/reply_mailbox.py). ``application_id`` and ``token`` say which reply it is."""

    def edit_original(self, application_id: str, token: str, content: str,
                      embeds: list[dict] | None = None) -> None:
        """Replace the deferred reply; ``embeds`` (Discord embed objects) show below ``content``."""

    def edit_original_with_file(self, application_id: str, token: str, content: str,
                                filename: str, data: bytes) -> None:
        """The reply with one file attached (e.g. the user's data export)."""

    def edit_original_with_buttons(self, application_id: str, token: str, content: str,
                                   buttons: Sequence[Button]) -> None:
        """The reply with a row of buttons; an empty list removes the buttons."""


@dataclass(frozen=True)
class Button:
    """A Discord button; pressing it sends a component interaction carrying ``custom_id``."""

    custom_id: str
    label: str
    style: int = 4  # 1 primary, 2 secondary, 3 success, 4 danger


class TurnQueue(Protocol):
    def send(self, body: dict[str, Any], *, group_id: str, dedup_id: str) -> None: ...


class WorkQueue(TurnQueue, Protocol):
    """The job queue: per-user background jobs (FIFO group = the user), apart from the turns'."""

    def send_many(self, messages: list[tuple[dict[str, Any], str, str]]) -> None:
        """(body, group id, dedup id) triples."""


class DirectMessenger(Protocol):
    """Messages the companion starts itself (Discord bot API)."""

    def open_dm(self, user_id: str) -> str: ...

    def create_message(self, channel_id: str, content: str, *, nonce: str | None = None,
                       mention_user_id: str | None = None) -> str: ...


# --- persistence (PostgreSQL in every deployment; one repository per aggregate) -------------------


class UnitOfWork(Protocol):
    def scoped(self, user_id: str) -> AbstractContextManager[Tx]:
        """A transaction that can see and change only ``user_id``'s rows."""

    def run_scoped(self, user_id: str, work: Callable[[Tx], Any]) -> Any:
        """``work(tx)`` in a ``scoped`` transaction, retried once on a fresh connection when the
        connection drops; ``work`` must be idempotent (natural keys, ON CONFLICT DO NOTHING)."""


class ProfileStore(Protocol):
    def profile_exists(self, user_id: str) -> bool: ...

    def get_profile(self, user_id: str) -> dict | None: ...

    def timezone(self, user_id: str) -> str | None: ...

    def create_user(self, user_id: str, username: str, traits: BigFive, baseline: PAD,
                    needs: Sequence[Need], now: datetime | None = None) -> bool: ...

    def touch_profile(self, tx: Tx, user_id: str, username: str, now: datetime) -> None: ...

    def get_personality(self, user_id: str) -> PersonalitySnapshot | None: ...

    def set_pad(self, tx: Tx, user_id: str, pad: PAD, trigger: str, now: datetime) -> None:
        """A new current PAD row; the previous one is kept as history."""

    def pad_history(self, user_id: str, since: datetime) -> list[MoodPoint]: ...

    def drift_baseline(self, user_id: str, now: datetime) -> bool: ...

    def record_relaxation(self, user_id: str, now: datetime, need_pull: PAD | None = None) -> PAD | None: ...

    def interactions_in_drift_window(self, user_id: str, now: datetime) -> int: ...


class NeedsStore(Protocol):
    def get_needs(self, user_id: str, now: datetime | None = None) -> list[Need]: ...

    def satisfy_needs(self, tx: Tx, user_id: str, need_types: Sequence[str], now: datetime) -> None: ...

    def grow_all_needs(self, now: datetime) -> int: ...

    def set_satisfaction_patterns(self, user_id: str, patterns: dict[str, dict],
                                  thresholds: dict[str, float] | None = None) -> None: ...


class QuirkStore(Protocol):
    def get_quirks(self, user_id: str, *, active_only: bool = False) -> list[Quirk]: ...

    def update_quirks(self, user_id: str, change: Callable[[dict[str, Quirk]], Sequence[Quirk]]) -> list[Quirk]:
        """Applies ``change`` to the user's quirks as they are, under the user's lock, and saves
        what it returns (one transaction)."""

    def record_evolution(self, user_id: str, evolved_at: datetime, **fields: Any) -> None: ...


class BehaviourAnalyst(Protocol):
    """The nightly behaviour-change analysis: the fast model, or the rules offline."""

    name: str

    def analyse(self, turns: Sequence[LoggedTurn], now: datetime) -> dict: ...


class InsightStore(Protocol):
    """What the nightly reflection noticed (migration 091)."""

    def save_insights(self, user_id: str, reflected_at: datetime, *, conversation_patterns: list, behaviour: dict,
                      emotional_cycles: dict, insights: list, analyst: str) -> bool: ...

    def insights_since(self, user_id: str, since: datetime | None = None, limit: int = 30) -> list[dict[str, Any]]: ...

    def summarise_day(self, day: date, now: datetime) -> dict | None: ...

    def system_insights(self, limit: int = 7) -> list[dict[str, Any]]: ...


class InteractionStore(Protocol):
    def find_interaction(self, user_id: str, interaction_key: str) -> StoredInteraction | None: ...

    def insert_interaction(self, tx: Tx, **fields: Any) -> int | None: ...

    def list_interactions(self, user_id: str, limit: int = 100) -> list[StoredInteraction]: ...

    def recent_exchanges(self, user_id: str, limit: int) -> list[StoredInteraction]: ...

    def current_session(self, user_id: str, now: datetime, idle_minutes: int) -> tuple[str | None, int]: ...

    def interactions_since(self, user_id: str, since: datetime, limit: int = 500) -> list[StoredInteraction]: ...

    def conversation_log(self, user_id: str, since: datetime, limit: int = 1000) -> list[LoggedTurn]: ...


class MemoryStore(Protocol):
    def insert_memory(self, tx: Tx, record: MemoryRecord, source_interaction_id: int | None) -> None: ...

    def unembedded_memories(self, user_id: str, limit: int = 100) -> list[tuple[str, str]]: ...

    def set_embeddings(self, user_id: str, embedding_model: str,
                       vectors: Sequence[tuple[str, np.ndarray]]) -> None: ...

    def mark_indexed(self, user_id: str, memory_ids: Sequence[str], now: datetime) -> None: ...

    def unindexed_memories(self, user_id: str, embedding_model: str, limit: int = 500) -> list[MemoryRecord]: ...

    def memories_by_ids(self, user_id: str, memory_ids: Sequence[str]) -> dict[str, Memory]: ...

    def nearest_memories(self, user_id: str, embedding_model: str, vector: np.ndarray,
                         limit: int) -> list[tuple[Memory, np.ndarray, float]]: ...

    def record_memory_access(self, user_id: str, memory_ids: Sequence[str], now: datetime) -> None: ...

    def set_importance(self, user_id: str, memory_id: str, importance: float) -> None: ...

    def insert_memories(self, user_id: str, records: Sequence[MemoryRecord]) -> None: ...

    def dense_ranking(self, user_id: str, embedding_model: str, vector: np.ndarray,
                      limit: int) -> list[tuple[str, float]]: ...

    def lexical_ranking(self, user_id: str, terms: Sequence[str], limit: int) -> list[tuple[str, float]]: ...

    def recall_candidates(self, user_id: str, memory_ids: Sequence[str]) -> list[dict]: ...

    def memories_to_reindex(self, user_id: str, recipe_version: int, limit: int) -> list[dict]: ...

    def set_search_text(self, user_id: str, updates: Sequence[dict]) -> None: ...

    def count_memories(self, user_id: str) -> int: ...

    def list_memories(self, user_id: str, memory_type: str, limit: int,
                      before: tuple[datetime, str] | None = None) -> list[Memory]: ...

    def pinned_memories(self, user_id: str, limit: int) -> list[Memory]: ...


# --- the user's control over their data (issue 8): forget, forget-me, export ------------------


@dataclass(frozen=True)
class ForgottenMemory:
    id: str
    content: str
    memory_type: str


@dataclass(frozen=True)
class Forgetting:
    """What one /forget removed: the memories asked for, and what was built from them."""

    forgotten: list[ForgottenMemory]
    summaries_removed: list[ForgottenMemory]  # semantic memories built from a forgotten memory
    sources_released: int  # other sources of those summaries, back to plain episodic memories
    messages_redacted: int  # interaction rows whose text was the forgotten memory
    # the companion's remembered replies to a forgotten message, or composed with it in mind
    replies_removed: list[ForgottenMemory] = field(default_factory=list)


class MemoryControlStore(Protocol):
    def find_by_short_id(self, user_id: str, prefix: str) -> list[Memory]:
        """This user's memories (current or past) whose id starts with ``prefix``."""

    def find_by_words(self, user_id: str, query: str, limit: int) -> list[Memory]:
        """This user's memories (current or past) containing every word of ``query``."""

    def forget(self, user_id: str, memory_ids: Sequence[str]) -> Forgetting:
        """Delete these memories, the summaries built from them and their conflict records."""

    def last_explained_reply(self, user_id: str) -> RecordedReply | None:
        """The user's latest reply that has a recorded explanation."""


@dataclass(frozen=True)
class RecordedReply:
    """A reply and the explanation recorded with it (for /why)."""

    timestamp: datetime
    user_message: str
    agent_response: str
    explanation: dict[str, Any]


class UserDataStore(Protocol):
    def export_user(self, user_id: str) -> dict[str, list[dict[str, Any]]]:
        """Every row of this user, table by table (vectors left out)."""

    def erase_user(self, user_id: str) -> dict[str, int]:
        """Delete every row of this user in every table; rows deleted per table."""

    def remaining_rows(self, user_id: str) -> dict[str, int]:
        """The check after erasure: rows of this user per table (all zero when erased)."""


# --- the REST API (functions/api) ------------------------------------------------------------------


class ApiKeyStore(Protocol):
    def insert_key(self, key: ApiKey) -> None: ...

    def find_key(self, key_id: str) -> ApiKey | None: ...

    def list_keys(self) -> list[ApiKey]: ...

    def revoke_key(self, key_id: str, now: datetime) -> bool: ...


class IdempotencyStore(Protocol):
    def claim(self, user_id: str, key: str, request_hash: str, now: datetime,
              stale_after: timedelta) -> IdempotencyRecord | None: ...

    def complete(self, user_id: str, key: str, response: dict[str, Any], now: datetime) -> None: ...

    def release(self, user_id: str, key: str) -> None: ...

    def purge_idempotency(self, older_than: datetime) -> int: ...


class FleetStore(Protocol):
    """Cross-user reads for operators: summaries and aggregates, never conversation content."""

    def ping(self) -> None: ...

    def list_users(self, limit: int, after: tuple[datetime, str] | None = None) -> list[UserSummary]: ...

    def stats(self, now: datetime) -> FleetStats: ...

    def turn_metrics(self, since: datetime) -> TurnMetrics: ...

    def users_with_pending_memories(self, limit: int) -> list[str]: ...

    def list_incidents(self, limit: int, after: tuple[datetime, str] | None = None, *,
                       user_id: str | None = None, unreviewed_only: bool = False) -> list[IncidentSummary]: ...


# --- contradictions between memories (issue 8) -------------------------------------------------


@dataclass(frozen=True)
class StoredConflict:
    id: int
    new_id: str
    old_id: str
    new_content: str
    old_content: str
    user_notified: bool


class ConflictJudge(Protocol):
    def judge(self, old: str, new: str) -> Any:
        """A ``domain.conflicts.Verdict`` on whether ``new`` contradicts ``old``."""

    def answer(self, old: str, new: str, message: str) -> str:
        """Which statement the user's ``message`` keeps: new, old, both or unclear."""


class MergeStore(Protocol):
    """Near-duplicate merges (services/merges.py)."""

    def memory_to_merge(self, user_id: str, memory_id: str, embedding_model: str) -> tuple[Memory, np.ndarray] | None:
        """A current, unpinned episodic memory and its stored vector (None otherwise)."""

    def similar_current_memories(self, user_id: str, embedding_model: str, vector: np.ndarray, new: Memory,
                                 min_similarity: float, limit: int) -> list[Memory]:
        """Current, unpinned episodic memories of ``new``'s author nearest to ``vector``."""

    def merge(self, user_id: str, repeat: Memory, into: Memory, now: datetime) -> bool:
        """``repeat`` leaves the current memories, linked to ``into``; False if either changed."""


class ConflictStore(Protocol):
    def similar_current_memories(self, user_id: str, embedding_model: str, vector: np.ndarray, exclude_id: str,
                                 min_similarity: float, limit: int) -> list[Memory]: ...

    def memory_to_check(self, user_id: str, memory_id: str, embedding_model: str) -> tuple[Memory, np.ndarray] | None:
        """A current episodic memory and its stored vector (None: gone, replaced or unembedded)."""

    def current_memories_with_terms(self, user_id: str, terms: list[str], exclude_id: str, limit: int) -> list[Memory]:
        """The user's current episodic memories holding any of these lexical terms, newest first."""

    def record(self, user_id: str, new: Memory, old: Memory, verdict: Any, context: dict[str, Any],
               now: datetime) -> int | None: ...

    def unasked(self, user_id: str) -> StoredConflict | None: ...

    def awaiting_answer(self, user_id: str) -> StoredConflict | None: ...

    def mark_asked(self, user_id: str, conflict_id: int, interaction_key: str, now: datetime) -> None: ...

    def resolve_by_user(self, user_id: str, conflict: StoredConflict, keep: str, answer: str,
                        now: datetime) -> list[str]: ...

    def history_for(self, user_id: str, memory_ids: list[str]) -> dict[str, list[Memory]]: ...
