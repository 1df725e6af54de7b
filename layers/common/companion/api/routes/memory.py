"""POST /memory/search, GET /memory/episodic/{user_id}."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ...ports import UnknownUser
from ...wiring import Container
from ..auth import ActingFor, Caller, container, require_user
from ..errors import error_responses
from ..pagination import decode_cursor, next_cursor
from ..schemas import MemoryOut, MemoryPage, MemorySearchRequest, MemorySearchResponse, ScoredMemory

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
