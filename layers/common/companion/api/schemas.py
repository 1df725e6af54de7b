"""Request and response models of every route (the API's contract; docs/API.md is generated
from them). Responses are built from the services' value objects by the ``from_*`` helpers."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..domain.models import MAX_MESSAGE_CHARS
from ..domain.operations import FleetStats, IncidentSummary, UserSummary
from ..domain.proactive import ProactiveScore
from ..domain.quirks import Quirk

USER_ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,100}$"
# Text with something in it and no NUL (PostgreSQL text cannot hold one).
TEXT_PATTERN = r"^[^\x00]*[^\x00\s][^\x00]*$"
UserIdField = Field(pattern=USER_ID_PATTERN, min_length=1, max_length=100,
                    description="The companion's user: a Discord user id, or any id a client key is bound to",
                    examples=["100000000000000001"])


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def shape_of(value_object: type, name: str, *, exclude: tuple[str, ...] = (), doc: str | None = None,
             **descriptions: str) -> type[Model]:
    """A response model with the fields of a domain value object (a dataclass), in its order and
    with its types: the domain says what the shape is, once; the API adds descriptions."""
    hints = get_type_hints(value_object)
    fields = {f.name: (hints[f.name], Field(description=descriptions.get(f.name)))
              for f in dataclasses.fields(value_object) if f.name not in exclude}
    return create_model(name, __base__=Model, __doc__=doc or value_object.__doc__, **fields)


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


class ProactiveRequest(Model):
    force: bool = Field(default=False, description=(
        "admin keys only: send even when the timing, a limit (quiet hours, spacing, the daily cap, "
        "back-off after silence) or the score says not now. Never overrides an opt-out or a suspension."))


ProactiveScoreOut = shape_of(
    ProactiveScore, "ProactiveScoreOut", exclude=("components", "next_optimal_at", "hours_until_need_due"),
    doc="The seed's proactive score and its components, as stored with the decision.",
    total_score="(need*0.4 + timing*0.25 + pattern*0.35) * personality * (1 - recent penalty), clamped to [0, 1]",
    trigger_reason="the component contributing most: need_urgency, timing_optimal or interaction_pattern")


class ProactiveResponse(Model):
    user_id: str
    status: Literal["sent", "declined", "blocked", "skipped", "retry_later", "failed", "duplicate"] = Field(
        description="sent; declined (score below the threshold); blocked (a limit or the user's consent, see "
                    "reason); skipped (DMs closed, no channel to fall back to); retry_later (Discord rate "
                    "limited or down: the sweep retries it); failed (dead-lettered); duplicate")
    reason: str | None = Field(description="why not sent (opted_out, suspended, quiet_hours, min_spacing, daily_cap, "
                                           "unanswered_cooldown, unanswered_streak, recently_active, below_threshold, ...)"
                                           ", or the trigger of a sent message")
    decision_id: int | None = Field(description="the stored decision (send or not), as the sweep stores its own")
    forced: bool
    overridden: str | None = Field(description="a forced send: the limit, or below_threshold, it overrode")
    score: ProactiveScoreOut | None = Field(description="null when a limit blocked the message before scoring")
    message: str | None = Field(description="what the companion wrote")
    delivery: Literal["dm", "channel"] | None = Field(description="a DM, or the user's last channel with a mention")


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
    replies_removed: list[ForgottenOut] = Field(
        default_factory=list, description="the companion's remembered replies that could repeat a forgotten memory")
    message: str = Field(description="what /forget would have answered")


class ConsolidationResponse(Model):
    user_id: str
    examined: int = Field(description="current episodic memories not yet consolidated that were looked at")
    clusters: int = Field(description="groups of related memories found (3 or more each)")
    created: list[str] = Field(description="ids of the new semantic memories (empty when nothing new to merge)")
    consolidated: int = Field(description="episodic memories linked to a new summary (they are kept)")
    summarizer: str = Field(description="what wrote the summaries: the fast model, or extractive offline")


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


class InsightOut(Model):
    kind: str = Field(description="what it was noticed from: a conversation pattern, a behaviour change, a cycle, the trend")
    text: str = Field(description="as /personality's \"what I've noticed\" says it")
    confidence: float


class InsightNightOut(Model):
    reflected_at: datetime
    insights: list[InsightOut]
    conversation_patterns: list[dict] = Field(
        description="when, how long, what about, who starts (the seed's pattern types, confidence > 0.6)")
    behaviour: dict = Field(description="this week against the week before: metrics and detected changes")
    emotional_cycles: dict = Field(description="daily and weekly cycles of the companion's mood")
    analyst: str = Field(description="who analysed the behaviour: llm (the fast model) or rules")


class PersonalityHistoryResponse(Model):
    user_id: str
    days: int
    moods: list[MoodPointOut] = Field(description="each change of mood in the window, oldest first")
    trend: TrendOut
    cycles: dict = Field(description="the mood's daily and weekly cycles in the window, in the user's time zone")
    evolutions: list[EvolutionOut] = Field(description="the nightly personality evolutions in the window, newest first")
    insights: list[InsightNightOut] = Field(description="what each nightly reflection in the window noticed, newest first")


class SystemInsightsOut(Model):
    day: date
    computed_at: datetime
    insights: dict = Field(description="counts across users: reflected, insight kinds, behaviour changes, cycles, analysts")


class SystemInsightsResponse(Model):
    days: list[SystemInsightsOut] = Field(description="newest first")


QuirkOut = shape_of(Quirk, "QuirkOut", exclude=("reinforcement_count", "is_active"),
                    doc="An active quirk of the companion's personality.",
                    examples="the user's messages it was seen in (the latest few)")


class QuirksResponse(Model):
    user_id: str
    quirks: list[QuirkOut] = Field(description="the active quirks, strongest first")


# --- admin ---------------------------------------------------------------------------------------


UserOut = shape_of(UserSummary, "UserOut", doc="One user of the companion (no conversation content).")


class UserPage(Model):
    items: list[UserOut]
    next_cursor: str | None


IncidentOut = shape_of(IncidentSummary, "IncidentOut", doc="A security incident, for an operator's review.",
                       detected_content="the message that was flagged (never stored as a memory)")


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


StatsResponse = shape_of(FleetStats, "StatsResponse", doc="Totals across all users.")


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
