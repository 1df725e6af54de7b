"""GET /health (no credential, no dependency), GET /health/detailed and /health/metrics (admin)."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from ...wiring import Container
from ..auth import ADMIN_ONLY, admin, container
from ..errors import error_responses
from ..schemas import CheckOut, DetailedHealthResponse, HealthResponse, MetricsResponse

router = APIRouter(prefix="/health", tags=["health"])
VERSION = "1.0.0"


@router.get("", response_model=HealthResponse, summary="Liveness: answers without touching any dependency")
def health() -> HealthResponse:
    return HealthResponse(status="ok", version=VERSION)


@router.get("/detailed", response_model=DetailedHealthResponse,
            responses={**error_responses(401, 403), 503: {"model": DetailedHealthResponse,
                                                          "description": "A required dependency is down"}},
            dependencies=[Depends(admin)], openapi_extra=ADMIN_ONLY,
            summary="Each dependency probed, concurrently, under a timeout")
def detailed(c: Annotated[Container, Depends(container)], response: Response) -> DetailedHealthResponse:
    status, checks = c.health.check()
    if status == "down":
        response.status_code = 503
    return DetailedHealthResponse(
        status=status, version=VERSION,
        checks=[CheckOut(name=r.name, status=r.status, required=r.required, latency_ms=r.latency_ms,
                         detail=r.detail) for r in checks],
    )


@router.get("/metrics", response_model=MetricsResponse, responses=error_responses(401, 403, 422),
            dependencies=[Depends(admin)], openapi_extra=ADMIN_ONLY,
            summary="Turn volume, errors, fallbacks and latency over a window")
def metrics(c: Annotated[Container, Depends(container)],
            window_minutes: Annotated[int, Query(ge=1, le=7 * 24 * 60)] = 60) -> MetricsResponse:
    m, depth = c.health.metrics(window=timedelta(minutes=window_minutes))
    return MetricsResponse(
        window_minutes=window_minutes, interactions=m.interactions, active_users=m.active_users,
        error_rate=round(m.error_rate, 4), fallback_rate=round(m.fallback_rate, 4),
        response_ms_p50=m.response_ms_p50, response_ms_p95=m.response_ms_p95,
        memories_stored=m.memories_stored, security_incidents=m.security_incidents, queue_depth=depth,
    )
