"""Idempotency-Key semantics for API requests that change something (POST /chat/message, POST
/chat/proactive/{user_id}): the first request with a key runs and its answer is stored; a retry
with the same key and the same request gets that answer back without running again; the same
key with a different request is refused; a retry while the first still runs is told to wait.
Keys are per user (a key of one user never meets another's)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from ..domain.api_access import request_fingerprint
from ..ports import IdempotencyStore

STALE_CLAIM = timedelta(minutes=2)  # a claimed key whose request died is free again after this


class IdempotencyKeyReused(ValueError):
    """The key was used before with a different request."""


class RequestInProgress(RuntimeError):
    """The first request with this key is still being answered."""


class IdempotentRequests:
    def __init__(self, store: IdempotencyStore, clock: Callable[[], datetime]):
        self.store = store
        self.clock = clock

    def run(self, user_id: str, key: str, request: dict[str, Any],
            work: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
        """(the answer, whether it is a stored one replayed). ``request`` identifies what was
        asked (a retry must ask the same); ``work`` does it and returns a JSON-ready answer."""
        fingerprint = request_fingerprint(request)
        earlier = self.store.claim(user_id, key, fingerprint, self.clock(), STALE_CLAIM)
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                raise IdempotencyKeyReused(key)
            if earlier.response is None:
                raise RequestInProgress(key)
            return earlier.response, True
        try:
            answer = work()
        except BaseException:
            self.store.release(user_id, key)
            raise
        self.store.complete(user_id, key, answer, self.clock())
        return answer, False
