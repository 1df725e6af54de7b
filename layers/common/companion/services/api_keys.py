"""API credentials: created and revoked by operators (`make api-key`), checked on every request."""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Sequence

from ..domain.api_access import ROLES, ApiKey, Principal, hash_key, key_matches, new_key, parse_key_id
from ..ports import ApiKeyStore


class ApiKeyService:
    def __init__(self, keys: ApiKeyStore, *, clock: Callable[[], datetime]):
        self.keys = keys
        self.clock = clock

    def create(self, role: str, user_ids: Sequence[str] = (), label: str = "") -> tuple[ApiKey, str]:
        """A new key; returns its record and the key itself, which is shown once and never stored."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        users = tuple(dict.fromkeys(u.strip() for u in user_ids if u.strip()))
        key_id, secret = new_key()
        record = ApiKey(key_id=key_id, key_hash=hash_key(secret), role=role, user_ids=users,
                        label=label[:100], created_at=self.clock())
        self.keys.insert_key(record)
        return record, secret

    def authenticate(self, presented: str) -> Principal | None:
        """The caller a presented key stands for; None for a malformed, unknown or revoked key."""
        key_id = parse_key_id(presented)
        record = self.keys.find_key(key_id) if key_id else None
        if not key_matches(presented, record.key_hash if record else None) or record.revoked_at:
            return None
        return Principal(key_id=record.key_id, role=record.role, user_ids=frozenset(record.user_ids))

    def revoke(self, key_id: str) -> bool:
        return self.keys.revoke_key(key_id, self.clock())

    def list(self) -> list[ApiKey]:
        return self.keys.list_keys()
