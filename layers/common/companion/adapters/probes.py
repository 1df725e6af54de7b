"""Reachability probes of each engine and provider, for GET /health/detailed. Each raises when
its dependency is not usable; the health service runs them concurrently under a timeout."""
from __future__ import annotations

from typing import Callable

import httpx


def qdrant_probe(store) -> Callable[[], object]:
    return lambda: store.client.get_collections()


def redis_probe(url: str, timeout_s: float = 1.0) -> Callable[[], object]:
    def probe():
        import redis

        client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        try:
            client.ping()
        finally:
            client.close()

    return probe


def queue_probe(queue) -> Callable[[], object]:
    return lambda: queue.approximate_depth()


def http_probe(url: str, timeout_s: float = 1.5) -> Callable[[], object]:
    """The provider answers HTTP at all (any status below 500): reachability, not credentials,
    which would cost a request against the account's quota."""

    def probe():
        response = httpx.get(url, timeout=timeout_s)
        if response.status_code >= 500:
            raise RuntimeError(f"HTTP {response.status_code}")

    return probe
