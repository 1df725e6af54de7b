"""An embedding cache in Redis (ElastiCache in AWS), as the seed's embedding service had.

Content-addressed (model, kind, sha256 of the text) so identical texts are embedded once per day
whoever sends them; the key reveals nothing of the text. The cache is optional and never fatal:
when Redis is slow or down, embeddings come straight from the model.

ElastiCache Serverless runs in cluster mode: a multi-key MGET across hash slots fails with
CROSSSLOT, so keys are read with single-key GETs in one non-transactional pipeline.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Sequence

import numpy as np

from ..ports import Embedder

log = logging.getLogger(__name__)
TTL_SECONDS = 86_400


class CachedEmbedder:
    def __init__(self, inner: Embedder, redis_client, ttl_seconds: int = TTL_SECONDS):
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self._redis = redis_client
        self._ttl = ttl_seconds

    def _key(self, text: str, kind: str) -> str:
        return f"embed:{self.model_id}:{kind}:{hashlib.sha256(text.encode()).hexdigest()}"

    def forget(self, user_id: str, texts: Sequence[str]) -> None:
        """Drop the cached vectors of a user's texts (/forget-me); never fatal, and the 24 h TTL
        removes whatever a key this cannot name (a text no longer stored) would keep."""
        keys = [self._key(t, kind) for t in texts for kind in ("document", "query")]
        try:
            for start in range(0, len(keys), 500):
                self._redis.delete(*keys[start:start + 500])
        except Exception:
            log.warning("could not clear the embedding cache", exc_info=True)

    def embed(self, texts: Sequence[str], kind: str = "document") -> np.ndarray:
        if not texts:
            return self.inner.embed(texts, kind=kind)
        keys = [self._key(t, kind) for t in texts]
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.get(key)
                cached = pipe.execute()
        except Exception:
            log.warning("embedding cache unavailable", exc_info=True)
            return self.inner.embed(texts, kind=kind)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = []
        for i, raw in enumerate(cached):
            if raw is not None and len(raw) == self.dim * 4:
                out[i] = np.frombuffer(raw, dtype=np.float32)
            else:
                missing.append(i)
        if missing:
            fresh = self.inner.embed([texts[i] for i in missing], kind=kind)
            out[missing] = fresh
            try:
                with self._redis.pipeline(transaction=False) as pipe:
                    for i, vector in zip(missing, fresh):
                        pipe.set(keys[i], np.asarray(vector, dtype=np.float32).tobytes(), ex=self._ttl)
                    pipe.execute()
            except Exception:
                log.warning("could not fill the embedding cache", exc_info=True)
        return out
