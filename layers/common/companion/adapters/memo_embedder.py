"""An in-process LRU of embeddings, for texts embedded again within a warm process.

A turn embeds the user's bare statement for its importance score; the conflict check after the
reply embeds the same statement and its similar memories' statements (which earlier turns of the
same process scored). This cache lets each be embedded once per process. It sits in front of the
Redis cache where there is one (adapters/cached_embedder.py), so a hit costs no network either.

Keyed like the Redis cache (model, kind, text), bounded in bytes, never shared across processes,
and cleared of a user's texts on /forget and /forget-me (``forget``, as the Redis cache is). Like
the Redis cache's, its vectors live at most a day (``MAX_AGE``): the retention purge runs in
another process and cannot reach this one, and no retention is shorter than a day.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Sequence

import numpy as np

from ..ports import Embedder

MAX_BYTES = 16 * 2**20  # ~10k MiniLM vectors, ~1.4k of Gemini's 3072 dimensions
MAX_AGE = 86_400.0  # seconds a vector is kept (the Redis cache's TTL)


class MemoEmbedder:
    def __init__(self, inner: Embedder, max_bytes: int = MAX_BYTES, max_age: float = MAX_AGE,
                 monotonic=time.monotonic):
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self._capacity = max(1, max_bytes // (4 * inner.dim))
        self._max_age = max_age
        self._monotonic = monotonic
        # (kind, text) -> (vector, when it was stored), least recently used first
        self._vectors: OrderedDict[tuple[str, str], tuple[np.ndarray, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def __contains__(self, text: str) -> bool:
        """Whether a vector of this text (of either kind) is held."""
        return ("document", text) in self._vectors or ("query", text) in self._vectors

    def embed(self, texts: Sequence[str], kind: str = "document") -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = []
        now = self._monotonic()
        with self._lock:
            for i, text in enumerate(texts):
                held = self._vectors.get((kind, text))
                if held is not None and now - held[1] > self._max_age:
                    del self._vectors[(kind, text)]
                    held = None
                if held is None:
                    missing.append(i)
                else:
                    self._vectors.move_to_end((kind, text))
                    out[i] = held[0]
        if not missing:
            return out
        fresh = self.inner.embed([texts[i] for i in missing], kind=kind)
        with self._lock:
            for i, vector in zip(missing, fresh):
                out[i] = vector
                self._vectors[(kind, texts[i])] = (out[i].copy(), now)
                self._vectors.move_to_end((kind, texts[i]))
            while len(self._vectors) > self._capacity:
                self._vectors.popitem(last=False)
        return out

    def forget(self, user_id: str, texts: Sequence[str]) -> None:
        """Drop the vectors of these texts (a user's forgotten memories); ``user_id`` is for the
        eraser signature: the cache is keyed by text, like the Redis one."""
        with self._lock:
            for text in texts:
                for kind in ("document", "query"):
                    self._vectors.pop((kind, text), None)
