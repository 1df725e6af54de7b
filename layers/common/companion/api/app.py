"""The FastAPI application: routers, the one error shape, and the OpenAPI description."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from .errors import install_error_handlers
from .routes import admin, chat, health, memory, personality
from .routes.health import VERSION

DESCRIPTION = """\
The companion's REST API, for operators and for clients other than Discord. It calls the same
services as the Discord path: a `POST /chat/message` is the same turn as `/companion` (security
screen, memory, personality), answered in the response.

**Auth.** Every route but `GET /health` needs `Authorization: Bearer <API key>` (created with
`make api-key`). Client keys act only for the user ids they are bound to; admin keys act for any
user and reach `/admin/*`, `/health/detailed` and `/health/metrics`. A missing or invalid key is
401 `unauthorized`; a valid key used beyond its rights is 403 `forbidden`.

**Errors** all have one shape, `{"error": {"code", "message", "request_id", "details"?}}`;
branch on `code`. **Lists** are paged with `limit` and an opaque `cursor` (`next_cursor` of the
previous page; null on the last). **Retries** of `POST /chat/message` are safe with an
`Idempotency-Key` header.
"""


@asynccontextmanager
async def _one_request_at_a_time(app: FastAPI):
    # The services share one database connection per process, as one Lambda container serves one
    # request at a time; synchronous routes run in a thread pool, so keep that pool to one thread
    # (uvicorn locally) rather than interleave two users' transactions on one connection.
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = 1
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="companion API", version=VERSION, description=DESCRIPTION,
                  lifespan=_one_request_at_a_time, docs_url="/docs", redoc_url=None)
    install_error_handlers(app)
    for module in (chat, memory, personality, admin, health):
        app.include_router(module.router)
    return app
