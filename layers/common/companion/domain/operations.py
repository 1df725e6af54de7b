"""What operators see of the whole deployment: user summaries, totals, recent turn metrics."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class UserSummary:
    user_id: str
    username: str | None
    status: str | None
    created_at: datetime
    last_active: datetime
    total_interactions: int
    memory_count: int


@dataclass(frozen=True)
class IncidentSummary:
    id: int
    user_id: str
    incident_type: str
    severity: str
    confidence: float
    detection_method: str | None
    detected_content: str
    escalation_level: int | None
    detected_at: datetime
    admin_reviewed: bool
    false_positive: bool | None
    admin_notes: str | None


@dataclass(frozen=True)
class FleetStats:
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


@dataclass(frozen=True)
class TurnMetrics:
    interactions: int
    errors: int
    fallbacks: int
    active_users: int
    response_ms_p50: float | None
    response_ms_p95: float | None
    memories_stored: int
    security_incidents: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.interactions if self.interactions else 0.0

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / self.interactions if self.interactions else 0.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # "ok" | "down" | "skipped"
    latency_ms: float | None
    detail: str = ""
    required: bool = False


def overall_status(checks: list[CheckResult]) -> str:
    """"down" when a required dependency is down, "degraded" when an optional one is, else "ok"."""
    if any(c.required and c.status == "down" for c in checks):
        return "down"
    if any(c.status == "down" for c in checks):
        return "degraded"
    return "ok"
