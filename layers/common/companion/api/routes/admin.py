"""GET /admin/users, GET /admin/stats, GET /admin/insights, GET /admin/security/incidents (and
false-positive marking), POST /admin/cleanup (admin keys only)."""
from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query

from ...wiring import Container
from ..auth import ADMIN_ONLY, admin, container
from ..errors import ApiError, error_responses
from ..pagination import decode_cursor, next_cursor
from ..schemas import (
    USER_ID_PATTERN, CleanupRequest, CleanupResponse, FalsePositiveRequest, FalsePositiveResponse, IncidentOut,
    IncidentPage, StatsResponse, SystemInsightsOut, SystemInsightsResponse, UserOut, UserPage,
)

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(admin)])
ERRORS = error_responses(401, 403, 422)


@router.get("/users", response_model=UserPage, responses=ERRORS, openapi_extra=ADMIN_ONLY,
            summary="Every companion's user, newest first, paged")
def users(
    c: Annotated[Container, Depends(container)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")] = None,
) -> UserPage:
    rows = c.admin.users(limit=limit, after=decode_cursor(cursor))
    return UserPage(items=[UserOut(**asdict(u)) for u in rows],
                    next_cursor=next_cursor(rows, limit, lambda u: (u.created_at, u.user_id)))


@router.get("/stats", response_model=StatsResponse, responses=ERRORS, openapi_extra=ADMIN_ONLY, summary="Totals across all users")
def stats(c: Annotated[Container, Depends(container)]) -> StatsResponse:
    return StatsResponse(**asdict(c.admin.stats()))


@router.get("/insights", response_model=SystemInsightsResponse, responses=ERRORS, openapi_extra=ADMIN_ONLY,
            summary="What the nightly reflections noticed across all users, per day (counts only)")
def insights(c: Annotated[Container, Depends(container)],
             days: Annotated[int, Query(ge=1, le=90, description="how many days, newest first")] = 7
             ) -> SystemInsightsResponse:
    return SystemInsightsResponse(days=[SystemInsightsOut(**row) for row in c.insights.system(days)])


@router.get("/security/incidents", response_model=IncidentPage, responses=ERRORS, openapi_extra=ADMIN_ONLY,
            summary="Security incidents for review, newest first, paged")
def incidents(
    c: Annotated[Container, Depends(container)],
    user_id: Annotated[str | None, Query(pattern=USER_ID_PATTERN, max_length=100, description="one user's only")] = None,
    unreviewed: Annotated[bool, Query(description="only those no operator has reviewed")] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")] = None,
) -> IncidentPage:
    after = decode_cursor(cursor)
    if after is not None and not after[1].isdigit():
        raise ApiError("invalid_cursor", "This cursor was not issued by this API (use next_cursor as given).")
    rows = c.admin.incidents(limit=limit, after=after, user_id=user_id, unreviewed_only=unreviewed)
    return IncidentPage(items=[IncidentOut(**asdict(i)) for i in rows],
                        next_cursor=next_cursor(rows, limit, lambda i: (i.detected_at, str(i.id))))


@router.post("/security/incidents/{incident_id}/false-positive", response_model=FalsePositiveResponse,
             responses=error_responses(401, 403, 404, 422), openapi_extra=ADMIN_ONLY,
             summary="Mark an incident a false positive: the user's escalation level drops accordingly")
def false_positive(
    incident_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: FalsePositiveRequest,
    c: Annotated[Container, Depends(container)],
) -> FalsePositiveResponse:
    try:
        level = c.security.mark_false_positive(body.user_id, incident_id, body.notes)
    except LookupError:
        raise ApiError("incident_not_found", "This user has no security incident with this id.") from None
    return FalsePositiveResponse(incident_id=incident_id, user_id=body.user_id, escalation_level=level)


@router.post("/cleanup", response_model=CleanupResponse, responses=ERRORS,
             openapi_extra=ADMIN_ONLY, summary="Housekeeping: expired idempotency records, memories left unindexed by outages")
def cleanup(c: Annotated[Container, Depends(container)],
            body: Annotated[CleanupRequest | None, Body()] = None) -> CleanupResponse:
    body = body or CleanupRequest()
    report = c.admin.cleanup(idempotency_max_age=timedelta(hours=body.idempotency_max_age_hours),
                             reindex_users=body.reindex_users)
    return CleanupResponse(**asdict(report))
