"""Opaque keyset cursors: ``next_cursor`` of one page is the ``cursor`` of the next. A cursor
encodes the sort key of the page's last row, so pages stay stable while rows are added."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime

from .errors import ApiError


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, uuid_id: bool = False) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, row_id = json.loads(raw)
        when = datetime.fromisoformat(created_at)
        if when.tzinfo is None or not isinstance(row_id, str) or not row_id:
            raise ValueError("incomplete cursor")
        return when, str(uuid.UUID(row_id)) if uuid_id else row_id
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ApiError("invalid_cursor", "This cursor was not issued by this API (use next_cursor as given).") from None


def next_cursor(rows: list, limit: int, key) -> str | None:
    """A cursor after the last row when the page is full (there may be more)."""
    if len(rows) < limit:
        return None
    created_at, row_id = key(rows[-1])
    return encode_cursor(created_at, row_id)
