"""GET /personality/current/{user_id}."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...ports import UnknownUser
from ...wiring import Container
from ..auth import ActingFor, container
from ..errors import error_responses
from ..schemas import NeedOut, PadState, PersonalityResponse, Traits

router = APIRouter(prefix="/personality", tags=["personality"])


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
