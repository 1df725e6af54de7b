"""POST /memory/search, GET /memory/episodic/{user_id}, POST /memory/consolidate/{user_id}, and the
user's control over memory as the slash commands give it: POST /memory/forget, POST
/memory/forget-me/{user_id}, GET /memory/export/{user_id}."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

import json

from ...ports import UnknownUser
from ...wiring import Container
from ..auth import ActingFor, Caller, container, require_user
from ..errors import error_responses
from ..pagination import decode_cursor, next_cursor
from ..schemas import (
    ConsolidationResponse, ExportResponse, ForgetMeRequest, ForgetMeResponse, ForgetRequest, ForgetResponse, ForgottenOut, MemoryOut,
    MemoryPage, MemorySearchRequest, MemorySearchResponse, ScoredMemory,
)

router = APIRouter(prefix="/memory", tags=["memory"])


def _memory(m) -> dict:
    return {"id": m.id, "content": m.content, "memory_type": m.memory_type, "importance": m.importance,
            "created_at": m.created_at, "access_count": m.access_count}


@router.post("/search", response_model=MemorySearchResponse, responses=error_responses(401, 403, 404, 422),
             summary="What the companion remembers about a topic (as /memories does)")
def search(body: MemorySearchRequest, principal: Caller,
           c: Annotated[Container, Depends(container)]) -> MemorySearchResponse:
    require_user(principal, body.user_id)
    if not c.users.exists(body.user_id):
        raise UnknownUser(body.user_id)
    found = c.memory.search(body.user_id, body.query, k=body.k, now=c.clock())
    return MemorySearchResponse(user_id=body.user_id, query=body.query,
                                items=[ScoredMemory(**_memory(m), similarity=m.similarity) for m in found])


@router.get("/episodic/{user_id}", response_model=MemoryPage, responses=error_responses(401, 403, 404, 422),
            summary="The user's episodic memories, newest first, paged")
def episodic(
    user_id: ActingFor,
    c: Annotated[Container, Depends(container)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")] = None,
) -> MemoryPage:
    after = decode_cursor(cursor, uuid_id=True)
    if not c.users.exists(user_id):
        raise UnknownUser(user_id)
    rows = c.memory.list_memories(user_id, "episodic", limit=limit, before=after)
    return MemoryPage(user_id=user_id, items=[MemoryOut(**_memory(m)) for m in rows],
                      next_cursor=next_cursor(rows, limit, lambda m: (m.created_at, m.id)))


@router.post("/consolidate/{user_id}", response_model=ConsolidationResponse,
             responses=error_responses(401, 403, 404, 422),
             summary="Consolidate the user's memories now, as the nightly reflection does")
def consolidate(user_id: ActingFor, c: Annotated[Container, Depends(container)]) -> ConsolidationResponse:
    """Related episodic memories (3 or more) become one semantic memory: a summary, importance
    the mean x 1.2 (at most 1), its sources linked and kept. Idempotent: memories already
    consolidated are never picked again, so a second call creates nothing."""
    if not c.users.exists(user_id):
        raise UnknownUser(user_id)
    result = c.consolidation.consolidate_user(user_id, c.clock())
    return ConsolidationResponse(user_id=user_id, examined=result.examined, clusters=result.clusters,
                                 created=result.created, consolidated=result.consolidated,
                                 summarizer=result.summarizer)


def _forgotten(items) -> list[ForgottenOut]:
    return [ForgottenOut(id=m.id, content=m.content, memory_type=m.memory_type) for m in items]


@router.post("/forget", response_model=ForgetResponse, responses=error_responses(401, 403, 404, 422),
             summary="Forget a memory by id or by words, as /forget does")
def forget(body: ForgetRequest, principal: Caller, c: Annotated[Container, Depends(container)]) -> ForgetResponse:
    """Removes the memory from PostgreSQL and the vector index, with the summaries built from it.
    When nothing is forgotten (several memories match, or none), ``forgotten`` is empty and
    ``message`` says why."""
    require_user(principal, body.user_id)
    if not c.users.exists(body.user_id):
        raise UnknownUser(body.user_id)
    done = c.memory_control.forget_matching(body.user_id, body.target)
    if not hasattr(done, "forgotten"):  # a ControlReply: nothing was forgotten
        return ForgetResponse(user_id=body.user_id, forgotten=[], summaries_removed=[], sources_released=0,
                              messages_redacted=0, message=done.text)
    return ForgetResponse(user_id=body.user_id, forgotten=_forgotten(done.forgotten),
                          summaries_removed=_forgotten(done.summaries_removed),
                          sources_released=done.sources_released, messages_redacted=done.messages_redacted,
                          replies_removed=_forgotten(done.replies_removed),
                          message=c.memory_control.forget_report(done))


@router.post("/forget-me/{user_id}", response_model=ForgetMeResponse, responses=error_responses(401, 403, 422),
             summary="Erase everything about the user, as /forget-me confirm:yes does")
def forget_me(user_id: ActingFor, body: ForgetMeRequest,
              c: Annotated[Container, Depends(container)]) -> ForgetMeResponse:
    """Every row of the user in every table and every vector; checked afterwards. The user's next
    message meets a brand-new companion. Idempotent: erasing an unknown user erases nothing."""
    had_companion = c.users.exists(user_id)
    reply = c.memory_control.forget_me(user_id, confirmed=body.confirm)
    return ForgetMeResponse(user_id=user_id, erased=had_companion, message=reply.text)


@router.get("/export/{user_id}", response_model=ExportResponse, responses=error_responses(401, 403, 404, 422),
            summary="Everything kept about the user as one JSON document, as /export attaches it")
def export(user_id: ActingFor, c: Annotated[Container, Depends(container)]) -> ExportResponse:
    reply = c.memory_control.export(user_id)
    if reply.file is None:
        raise UnknownUser(user_id)
    return ExportResponse(**json.loads(reply.file[1]))
