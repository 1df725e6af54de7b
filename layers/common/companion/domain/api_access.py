"""Who may call the REST API, and for whom: API keys, principals and request fingerprints.

A key reads ``cmp_<key id>_<secret>``: the key id (public, 12 hex characters) finds the stored
row, the whole key's SHA-256 is compared with the stored one in constant time. Client keys act
for the users they are bound to; admin keys act for anyone and reach the admin routes.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

KEY_PREFIX = "cmp"
ROLES = ("client", "admin")
_KEY_FORMAT = re.compile(r"cmp_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
# Hashed when a presented key's id is unknown, so a miss costs what a hit costs.
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """(key id, the whole key): 48 random bits of id, 256 of secret."""
    key_id = secrets.token_hex(6)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def parse_key_id(key: str) -> str | None:
    match = _KEY_FORMAT.fullmatch(key)
    return match.group(1) if match else None


def key_matches(presented: str, stored_hash: str | None) -> bool:
    """Constant-time comparison of a presented key with a stored hash (None: unknown key id,
    compared against a dummy so the answer takes as long)."""
    same = hmac.compare_digest(hash_key(presented), stored_hash or _DUMMY_HASH)
    return same and stored_hash is not None


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    key_hash: str
    role: str
    user_ids: tuple[str, ...]
    label: str
    created_at: datetime
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        if self.role == "client" and not self.user_ids:
            raise ValueError("a client key must be bound to at least one user id")


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    key_id: str
    role: str
    user_ids: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_act_for(self, user_id: str) -> bool:
        return self.is_admin or user_id in self.user_ids


@dataclass(frozen=True)
class IdempotencyRecord:
    user_id: str
    idempotency_key: str
    request_hash: str
    response: dict[str, Any] | None
    created_at: datetime
    completed_at: datetime | None


def request_fingerprint(payload: dict[str, Any]) -> str:
    """A stable hash of a request's content: a key reused with another body is detected."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
