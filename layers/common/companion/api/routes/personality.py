"""GET /personality/current/{user_id}, /history/{user_id}, /quirks/{user_id}."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ...ports import UnknownUser
from ...wiring import Container
from ..auth import ActingFor, container
from ..errors import error_responses
from ..schemas import (
    EvolutionOut, InsightNightOut, MoodPointOut, NeedOut, PadState, PadValues, PersonalityHistoryResponse,
    PersonalityResponse, QuirkOut, QuirksResponse, Traits, TrendOut,
)

router = APIRouter(prefix="/personality", tags=["personality"])


def _known(c: Container, user_id: str) -> None:
    if not c.users.exists(user_id):
        raise UnknownUser(user_id)


def _pad(pad) -> PadState:
    return PadState(pleasure=pad.pleasure, arousal=pad.arousal, dominance=pad.dominance, label=pad.label)


@router.get("/current/{user_id}", response_model=PersonalityResponse, responses=error_responses(401, 403, 404, 422),
            summary="Traits, mood, temperament and needs (as /personality shows them)")
def current(user_id: ActingFor, c: Annotated[Container, Depends(container)]) -> PersonalityResponse:
    """The mood as it is now: relaxed toward the temperament since it was last set, needs grown
    since they were last met (the same reading the /personality card and each turn make)."""
    now = c.clock()
    p = c.personality.current(user_id, now) if c.users.exists(user_id) else None
    if p is None:
        raise UnknownUser(user_id)
    return PersonalityResponse(
        user_id=user_id, traits=Traits(**p.traits.as_dict()), mood=_pad(p.pad), temperament=_pad(p.baseline),
        needs=[NeedOut(need_type=n.need_type, current_level=n.current_level, baseline_level=n.baseline_level,
                       trigger_threshold=n.trigger_threshold, urgent=n.is_urgent) for n in c.personality.current_needs(user_id, now)],
    )


@router.get("/history/{user_id}", response_model=PersonalityHistoryResponse,
            responses=error_responses(401, 403, 404, 422),
            summary="How the mood moved, its trend and cycles, the nightly evolutions and what they noticed")
def history(user_id: ActingFor, c: Annotated[Container, Depends(container)],
            days: Annotated[int, Query(ge=1, le=90, description="how far back")] = 7) -> PersonalityHistoryResponse:
    _known(c, user_id)
    now = c.clock()
    points, trend, cycles, evolutions = c.personality.history(user_id, now, days)
    return PersonalityHistoryResponse(
        user_id=user_id, days=days,
        moods=[MoodPointOut(at=p.at, pleasure=p.pad.pleasure, arousal=p.pad.arousal, dominance=p.pad.dominance,
                            label=p.pad.label) for p in points],
        trend=TrendOut(**trend.as_dict(), direction=trend.direction), cycles=cycles,
        evolutions=[EvolutionOut(evolved_at=e["evolved_at"], baseline_before=PadValues(**e["baseline_before"]),
                                 baseline_after=PadValues(**e["baseline_after"]),
                                 interactions_in_window=e["interactions_in_window"],
                                 quirk_updates=e["quirk_updates"], detector=e["detector"]) for e in evolutions],
        insights=[InsightNightOut(**night) for night in c.insights.nights(user_id, now - timedelta(days=days))],
    )


@router.get("/quirks/{user_id}", response_model=QuirksResponse, responses=error_responses(401, 403, 404, 422),
            summary="The companion's active quirks with this user")
def quirks(user_id: ActingFor, c: Annotated[Container, Depends(container)]) -> QuirksResponse:
    _known(c, user_id)
    active = sorted(c.personality.active_quirks(user_id), key=lambda q: -q.strength)
    return QuirksResponse(user_id=user_id, quirks=[
        QuirkOut(**{f: getattr(q, f) for f in QuirkOut.model_fields}) for q in active])
