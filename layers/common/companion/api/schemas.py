"""Request and response models of every route (the API's contract; docs/API.md is generated
from them). Responses are built from the services' value objects by the ``from_*`` helpers."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..domain.models import MAX_MESSAGE_CHARS

USER_ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,100}$"
# Text with something in it and no NUL (PostgreSQL text cannot hold one).
TEXT_PATTERN = r"^[^\x00]*[^\x00\s][^\x00]*$"
UserIdField = Field(pattern=USER_ID_PATTERN, min_length=1, max_length=100,
                    description="The companion's user: a Discord user id, or any id a client key is bound to",
                    examples=["100000000000000001"])


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- chat ----------------------------------------------------------------------------------------


class ChatMessageRequest(Model):
    user_id: str = UserIdField
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS, pattern=TEXT_PATTERN,
                         examples=["I got a new puppy today!"])
    username: str = Field(default="", max_length=100, pattern=r"^[^\x00]*$", description="display name, used on first contact")


class ChatMessageResponse(Model):
    user_id: str
    reply: str
    status: str = Field(description='the turn\'s outcome: "replied", or "duplicate" when it had already happened')
    interaction_key: str = Field(description="the turn's id in the interaction log")
    memories_retrieved: int
    fallback_used: bool = Field(description="the reply model was unavailable and the companion apologised")
    latency_ms: int
    replayed: bool = Field(description="this is the stored answer to an earlier request with the same Idempotency-Key")


class Exchange(Model):
    timestamp: datetime
    user_message: str
    agent_response: str


class SessionResponse(Model):
    user_id: str
    active: bool = Field(description="the user wrote within the session idle window (30 minutes)")
    session_id: str | None
    message_count: int = Field(description="messages in the open session (0 when none is open)")
    recent: list[Exchange] = Field(description="the last exchanges, oldest first")


class WhyResponse(Model):
    user_id: str
    explanation: str = Field(description="what the companion's last reply was made from, as /why shows it")


# --- memory --------------------------------------------------------------------------------------


class MemorySearchRequest(Model):
    user_id: str = UserIdField
    query: str = Field(min_length=1, max_length=1000, pattern=TEXT_PATTERN, examples=["puppy"])
    k: int = Field(default=5, ge=1, le=50, description="how many memories at most")


class MemoryOut(Model):
    id: str
    content: str
    memory_type: Literal["episodic", "semantic"]
    importance: float
    created_at: datetime
    access_count: int


class ScoredMemory(MemoryOut):
    similarity: float


class MemorySearchResponse(Model):
    user_id: str
    query: str
    items: list[ScoredMemory]


class MemoryPage(Model):
    user_id: str
    items: list[MemoryOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last page")


class ForgetRequest(Model):
    user_id: str = UserIdField
    target: str = Field(min_length=1, max_length=1000, pattern=TEXT_PATTERN,
                        description="a memory id (or its first characters, as /memories shows) or words it contains",
                        examples=["my old address"])


class ForgottenOut(Model):
    id: str
    content: str
    memory_type: str


class ForgetResponse(Model):
    user_id: str
    forgotten: list[ForgottenOut] = Field(description="empty when nothing matched (see message)")
    summaries_removed: list[ForgottenOut] = Field(description="semantic memories that were built from a forgotten one")
    sources_released: int
    messages_redacted: int
    message: str = Field(description="what /forget would have answered")


class ForgetMeRequest(Model):
    confirm: Literal[True] = Field(description="must be true: erasure cannot be undone")


class ForgetMeResponse(Model):
    user_id: str
    erased: bool = Field(description="false when there was nothing stored about the user")
    message: str


class ExportResponse(BaseModel):
    """The user's data as /export attaches it (format ``companion-export/1``): profile,
    personality, needs, quirks, memories, memory conflicts, interactions, and any other table
    holding rows of the user under its own name."""

    model_config = ConfigDict(extra="allow")
    format: str
    user_id: str
    exported_at: datetime
    profile: dict
    memories: list[dict]
    interactions: list[dict]


# --- personality ---------------------------------------------------------------------------------


class Traits(Model):
    openness: float
    conscientiousness: float
    extraversion: float
    agreeableness: float
    neuroticism: float


class PadState(Model):
    pleasure: float
    arousal: float
    dominance: float
    label: str


class NeedOut(Model):
    need_type: str
    current_level: float
    baseline_level: float
    trigger_threshold: float
    urgent: bool


class PersonalityResponse(Model):
    user_id: str
    traits: Traits
    mood: PadState = Field(description="the current PAD emotional state")
    temperament: PadState = Field(description="the PAD baseline the mood returns to")
    needs: list[NeedOut]


class MoodPointOut(Model):
    at: datetime
    pleasure: float
    arousal: float
    dominance: float
    label: str


class TrendOut(Model):
    points: int
    pleasure_slope: float = Field(description="change per day")
    arousal_slope: float
    dominance_slope: float
    volatility: float
    direction: Literal["brightening", "darkening", "steady"]


class PadValues(Model):
    pleasure: float
    arousal: float
    dominance: float


class EvolutionOut(Model):
    evolved_at: datetime
    baseline_before: PadValues
    baseline_after: PadValues
    interactions_in_window: int
    quirk_updates: list[dict]
    detector: str


class PersonalityHistoryResponse(Model):
    user_id: str
    days: int
    moods: list[MoodPointOut] = Field(description="each change of mood in the window, oldest first")
    trend: TrendOut
    evolutions: list[EvolutionOut] = Field(description="the nightly personality evolutions in the window, newest first")


class QuirkOut(Model):
    name: str
    category: str
    description: str
    strength: float
    confidence: float
    first_observed: datetime
    last_reinforced: datetime
    observation_count: int
    examples: list[str]


class QuirksResponse(Model):
    user_id: str
    quirks: list[QuirkOut] = Field(description="the active quirks, strongest first")


# --- admin ---------------------------------------------------------------------------------------


class UserOut(Model):
    user_id: str
    username: str | None
    status: str | None
    created_at: datetime
    last_active: datetime
    total_interactions: int
    memory_count: int


class UserPage(Model):
    items: list[UserOut]
    next_cursor: str | None


class IncidentOut(Model):
    id: int
    user_id: str
    incident_type: str
    severity: str
    confidence: float
    detection_method: str | None
    detected_content: str = Field(description="the message that was flagged (never stored as a memory)")
    escalation_level: int | None
    detected_at: datetime
    admin_reviewed: bool
    false_positive: bool | None
    admin_notes: str | None


class IncidentPage(Model):
    items: list[IncidentOut]
    next_cursor: str | None


class FalsePositiveRequest(Model):
    user_id: str = UserIdField
    notes: str = Field(default="", max_length=1000, pattern=r"^[^\x00]*$", description="why it was not an attack")


class FalsePositiveResponse(Model):
    incident_id: int
    user_id: str
    escalation_level: int = Field(description="the user's level now: 0 none, 1 warned, 2 restricted, 3 suspended")


class StatsResponse(Model):
    users_total: int
    users_active_24h: int
    users_active_7d: int
    interactions_total: int
    interactions_24h: int
    memories_total: int
    memories_unindexed: int
    security_incidents_total: int
    security_incidents_unreviewed: int
    api_keys_active: int


class CleanupRequest(Model):
    idempotency_max_age_hours: int = Field(default=24, ge=1, le=24 * 30,
                                           description="drop idempotency records older than this")
    reindex_users: int = Field(default=100, ge=0, le=10_000,
                               description="finish pending embeddings/indexing for up to this many users")


class CleanupResponse(Model):
    idempotency_records_deleted: int
    users_reindexed: int
    memories_indexed: int


# --- health --------------------------------------------------------------------------------------


class HealthResponse(Model):
    status: Literal["ok"]
    version: str


class CheckOut(Model):
    name: str
    status: Literal["ok", "down", "skipped"]
    required: bool = Field(description="the API cannot serve without it")
    latency_ms: float | None
    detail: str


class DetailedHealthResponse(Model):
    status: Literal["ok", "degraded", "down"]
    version: str
    checks: list[CheckOut]


class MetricsResponse(Model):
    window_minutes: int
    interactions: int
    active_users: int
    error_rate: float
    fallback_rate: float
    response_ms_p50: float | None
    response_ms_p95: float | None
    memories_stored: int
    security_incidents: int
    queue_depth: int | None = Field(description="turns waiting in the queue (null when unknown)")
