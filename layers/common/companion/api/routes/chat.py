"""POST /chat/message, POST /chat/proactive/{user_id}, GET /chat/session/{user_id}, GET /chat/why/{user_id}."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Response

from ...wiring import Container
from ..auth import ActingFor, Caller, container, require_user
from ..errors import ApiError, error_responses
from ...observability import record_proactive_outcome
from ...ports import UnknownUser
from ..schemas import (
    ChatMessageRequest, ChatMessageResponse, Exchange, ProactiveRequest, ProactiveResponse, ProactiveScoreOut,
    SessionResponse, WhyResponse,
)

router = APIRouter(prefix="/chat", tags=["chat"])
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$",
    description="Makes retries safe: a repeated request with the same key returns the first "
                "request's answer (header `Idempotent-Replayed: true`), and what it asked for happens once.")]


@router.post("/message", response_model=ChatMessageResponse, responses=error_responses(401, 403, 409, 422, 503),
             summary="Talk to a companion (answered synchronously)")
def post_message(
    body: ChatMessageRequest,
    principal: Caller,
    c: Annotated[Container, Depends(container)],
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ChatMessageResponse:
    """The same turn as `/companion message:` in Discord (security screen, appraisal, recall,
    reply, memory), answered in the response instead of a Discord message."""
    require_user(principal, body.user_id)
    result = c.chat.send(body.user_id, body.message, username=body.username, idempotency_key=idempotency_key)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ChatMessageResponse(
        user_id=result.user_id, reply=result.reply, status=result.status, interaction_key=result.interaction_key,
        memories_retrieved=result.memories_retrieved, fallback_used=result.fallback_used,
        latency_ms=result.latency_ms, replayed=result.replayed,
    )


@router.post("/proactive/{user_id}", response_model=ProactiveResponse,
             responses=error_responses(401, 403, 404, 409, 422),
             summary="Ask the companion to reach out to the user now (consent and limits apply)")
def proactive(
    user_id: ActingFor,
    principal: Caller,
    c: Annotated[Container, Depends(container)],
    response: Response,
    body: Annotated[ProactiveRequest | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> ProactiveResponse:
    """Decided as the 5-minute sweep decides: consent, quiet hours in the user's time zone, the
    daily cap, spacing and back-off, then the seed's score against its threshold. The decision is
    stored with its components whatever it is, and a message is written and delivered by Discord
    DM (or the user's last channel) and kept as a proactive exchange of the conversation.

    `force` (admin keys only; 403 for a client key) sends even when the timing, a limit or the
    score says not now. Nothing sends to a user who opted out (`/settings proactive:off`) or is
    suspended: those come back as `blocked`, forced or not. With an `Idempotency-Key`, a retried
    request returns the first answer and never decides (or sends) twice."""
    body = body or ProactiveRequest()
    if body.force and not principal.is_admin:
        raise ApiError("forbidden", "Forcing a proactive message needs an admin key.")
    if not c.users.exists(user_id):
        raise UnknownUser(user_id)

    def decide() -> dict:
        outcome = c.proactive.trigger(user_id, force=body.force)
        record_proactive_outcome(outcome.status, outcome.reason, origin="operator")
        if outcome.status == "no_user":  # erased between the check and the decision
            raise UnknownUser(user_id)
        s = outcome.scored
        return ProactiveResponse(
            user_id=user_id, status=outcome.status, reason=outcome.reason, decision_id=outcome.decision_id,
            forced=body.force, overridden=outcome.overridden, message=outcome.content, delivery=outcome.delivery,
            score=ProactiveScoreOut(**{f: getattr(s, f) for f in ProactiveScoreOut.model_fields}) if s else None,
        ).model_dump(mode="json")

    if idempotency_key is None:
        return ProactiveResponse(**decide())
    answer, replayed = c.idempotent_requests.run(
        user_id, idempotency_key, {"route": "POST /chat/proactive", "user_id": user_id, "force": body.force}, decide)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ProactiveResponse(**answer)


@router.get("/session/{user_id}", response_model=SessionResponse, responses=error_responses(401, 403, 404, 422),
            summary="The user's open conversation and last exchanges")
def get_session(
    user_id: ActingFor,
    c: Annotated[Container, Depends(container)],
    recent: Annotated[int, Query(ge=0, le=50, description="how many recent exchanges to include")] = 10,
) -> SessionResponse:
    session = c.chat.session(user_id, exchanges=recent)
    return SessionResponse(
        user_id=user_id, active=session.active, session_id=session.session_id,
        message_count=session.message_count,
        recent=[Exchange(timestamp=e.timestamp, user_message=e.user_message, agent_response=e.agent_response)
                for e in session.exchanges],
    )


@router.get("/why/{user_id}", response_model=WhyResponse, responses=error_responses(401, 403, 404, 422),
            summary="Why the companion said its last reply, as /why explains it")
def why(user_id: ActingFor, c: Annotated[Container, Depends(container)]) -> WhyResponse:
    """From what was recorded when the reply was made (recalled memories with their scores, the
    emotion before and after and the appraisal rule, needs and quirks in the prompt), never
    recomputed."""
    if not c.users.exists(user_id):
        raise UnknownUser(user_id)
    return WhyResponse(user_id=user_id, explanation=c.memory_control.why(user_id).text)
