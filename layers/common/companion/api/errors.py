"""One error shape for every failure, with a stable machine-readable code:

    {"error": {"code": "forbidden", "message": "...", "request_id": "..."}}

Clients branch on ``code`` (listed in ``ErrorCode`` and docs/API.md), never on ``message``.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..ports import UnknownUser
from ..services.idempotency import IdempotencyKeyReused, RequestInProgress

log = logging.getLogger(__name__)

ErrorCode = Literal[
    "unauthorized",             # 401: no credential, or not a valid, unrevoked key
    "forbidden",                # 403: the key may not act for this user, or the route needs an admin key
    "not_found",                # 404: no such route
    "user_not_found",           # 404: no companion for this user id yet
    "incident_not_found",       # 404: the user has no security incident with this id
    "method_not_allowed",       # 405
    "idempotency_in_progress",  # 409: the first request with this Idempotency-Key is still running
    "validation_error",         # 422: the request does not match the schema
    "invalid_cursor",           # 422: a pagination cursor this API did not issue
    "idempotency_key_reused",   # 422: the Idempotency-Key was used with a different request
    "service_unavailable",      # 503: a dependency (the database) is down; retry later
    "internal_error",           # 500: a bug; the request id is in the logs
]

# Each code's HTTP status and meaning (docs/API.md lists them from here).
ERROR_CODES: dict[str, tuple[int, str]] = {
    "unauthorized": (401, "No credential, or not a valid, unrevoked API key."),
    "forbidden": (403, "The key may not act for this user, or the route needs an admin key."),
    "not_found": (404, "No such route."),
    "user_not_found": (404, "No companion for this user id yet (the user's first message creates it)."),
    "incident_not_found": (404, "This user has no security incident with this id."),
    "method_not_allowed": (405, "The route exists, not with this method."),
    "idempotency_in_progress": (409, "The first request with this Idempotency-Key is still running; retry after `Retry-After`."),
    "validation_error": (422, "The request does not match the schema; `details` lists each problem."),
    "invalid_cursor": (422, "A pagination cursor this API did not issue."),
    "idempotency_key_reused": (422, "The Idempotency-Key was used before with a different request."),
    "internal_error": (500, "A bug; report the `request_id`."),
    "service_unavailable": (503, "A dependency (the database) is down; retry after `Retry-After`."),
}
STATUS_OF: dict[str, int] = {code: status for code, (status, _) in ERROR_CODES.items()}


class ErrorBody(BaseModel):
    code: ErrorCode
    message: str
    request_id: str
    details: list[dict[str, Any]] | None = Field(default=None, description="per-field problems (validation_error)")


class ErrorResponse(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    def __init__(self, code: str, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.code, self.message, self.headers = code, message, headers
        self.status = STATUS_OF[code]


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: its possible errors, all in the one error shape."""
    described = {401: "Missing or invalid credential", 403: "Not allowed for this key",
                 404: "Not found", 409: "Conflict", 422: "Invalid request",
                 503: "A dependency is unavailable"}
    return {s: {"model": ErrorResponse, "description": described.get(s, "Error")} for s in statuses}


def request_id(request: Request) -> str:
    context = request.scope.get("aws.context")
    return getattr(context, "aws_request_id", None) or request.headers.get("x-request-id") or uuid.uuid4().hex


def error_response(request: Request, code: str, message: str, *, status: int | None = None,
                   details: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, request_id=request_id(request),
                                         details=details))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status or STATUS_OF[code],
                        headers=headers)


_HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return error_response(request, exc.code, exc.message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        details = [{"loc": [str(part) for part in e.get("loc", ())], "message": e.get("msg", ""),
                    "type": e.get("type", "")} for e in exc.errors()]
        return error_response(request, "validation_error", "The request does not match the API's schema.",
                              details=details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code)
        if code is None:  # not raised by this app's code; keep the status, say what it was
            code = "internal_error" if exc.status_code >= 500 else "validation_error"
        return error_response(request, code, str(exc.detail), status=exc.status_code,
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(UnknownUser)
    async def unknown_user(request: Request, exc: UnknownUser):
        return error_response(request, "user_not_found",
                              "This user has no companion yet (it is created by their first message).")

    @app.exception_handler(IdempotencyKeyReused)
    async def key_reused(request: Request, exc: IdempotencyKeyReused):
        return error_response(request, "idempotency_key_reused",
                              "This Idempotency-Key was already used for a different request.")

    @app.exception_handler(RequestInProgress)
    async def in_progress(request: Request, exc: RequestInProgress):
        return error_response(request, "idempotency_in_progress",
                              "The first request with this Idempotency-Key is still being answered.",
                              headers={"Retry-After": "2"})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        if _is_database_outage(exc):
            log.error("database unavailable", exc_info=exc)
            return error_response(request, "service_unavailable", "The database is unavailable; retry shortly.",
                                  headers={"Retry-After": "5"})
        log.error("unhandled error", exc_info=exc, extra={"request_id": request_id(request)})
        return error_response(request, "internal_error", "Something went wrong on our side.")


def _is_database_outage(exc: BaseException) -> bool:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the API always ships psycopg
        return False
    return isinstance(exc, psycopg.OperationalError)
