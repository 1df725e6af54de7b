"""Credentials: ``Authorization: Bearer <API key>`` on every route but GET /health.

401 when the credential is missing or is not a valid, unrevoked key (who are you?); 403 when a
valid key may not do this (a client key acting for a user it is not bound to, or calling an
admin route).
"""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..domain.api_access import Principal
from ..wiring import Container, get_container
from .errors import ApiError
from .schemas import USER_ID_PATTERN

bearer = HTTPBearer(auto_error=False, scheme_name="ApiKey", bearerFormat="cmp_<key id>_<secret>",
                    description="An API key from `make api-key` (client keys act for their bound users; "
                                "admin keys for anyone, and reach /admin and /health/* routes).")
ADMIN_ONLY = {"x-required-role": "admin"}  # shown in the OpenAPI schema and docs/API.md
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="companion"'}


def container() -> Container:
    return get_container()


def authenticated(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    c: Annotated[Container, Depends(container)],
) -> Principal:
    if credentials is None:
        raise ApiError("unauthorized", "An API key is required: Authorization: Bearer <key>.", headers=CHALLENGE)
    principal = c.api_keys.authenticate(credentials.credentials)
    if principal is None:
        raise ApiError("unauthorized", "This API key is not valid (unknown, malformed or revoked).",
                       headers=CHALLENGE)
    return principal


Caller = Annotated[Principal, Depends(authenticated)]


def admin(principal: Caller) -> Principal:
    if not principal.is_admin:
        raise ApiError("forbidden", "This route needs an admin key.")
    return principal


def require_user(principal: Principal, user_id: str) -> str:
    if not principal.may_act_for(user_id):
        raise ApiError("forbidden", "This API key may not act for that user.")
    return user_id


PathUserId = Annotated[str, Path(pattern=USER_ID_PATTERN, min_length=1, max_length=100,
                                 description="The companion's user id", examples=["100000000000000001"])]


def path_user(user_id: PathUserId, principal: Caller) -> str:
    """The path's {user_id}, once the caller is known to be allowed to act for it."""
    return require_user(principal, user_id)


ActingFor = Annotated[str, Depends(path_user)]
Admin = Annotated[Principal, Depends(admin)]
