"""Long-term memory: write (embed, score, persist, index) and recall (search, MMR)."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Sequence

import numpy as np

from ..adapters.postgres import Repository
from ..domain.mmr import mmr_select
from ..domain.models import Memory, MemoryRecord
from ..ports import Embedder, ImportanceScorer, VectorStore

log = logging.getLogger(__name__)

CANDIDATE_FACTOR = 3  # the seed's "3x candidates for MMR selection"
MAX_CANDIDATES = 50
MIN_SIMILARITY = 0.3  # the seed's score_threshold
MMR_LAMBDA = 0.7


def contextual_text(message: str, previous: str | None) -> str:
    """The text a conversational memory is embedded as: the message with the one before it.

    "His name is Sparky." means nothing alone; after "I got a new puppy today!" it is about the
    puppy. Embedding the pair (contextual retrieval) lets a later search for "puppy" find it,
    while the stored content stays exactly what the user said.
    """
    return f"{previous}\n{message}" if previous else message


class MemoryService:
    def __init__(
        self,
        repo: Repository,
        store: VectorStore,
        embedder: Embedder,
        scorer: ImportanceScorer,
        *,
        min_similarity: float = MIN_SIMILARITY,
    ):
        self.repo = repo
        self.store = store
        self.embedder = embedder
        self.scorer = scorer
        self.min_similarity = min_similarity

    # --- writing -----------------------------------------------------------------------------

    def prepare(
        self,
        user_id: str,
        content: str,
        *,
        memory_id: str,
        now: datetime,
        memory_type: str = "episodic",
        vector: np.ndarray | None = None,
    ) -> MemoryRecord:
        """Everything a memory needs from providers (embedding, importance), computed before the
        database transaction that persists it. ``vector`` may be given when the caller already
        embedded the content (or the content in its context, see ``contextual_text``)."""
        if vector is None:
            vector = self.embedder.embed([content], kind="document")[0]
        importance = self.scorer.score(content, {"user_id": user_id, "memory_type": memory_type})
        return MemoryRecord(
            id=memory_id,
            user_id=user_id,
            content=content,
            memory_type=memory_type,
            importance=float(importance),
            embedding_model=self.embedder.model_id,
            vector=vector,
            created_at=now,
        )

    def index(self, user_id: str, records: Sequence[MemoryRecord], now: datetime) -> bool:
        """Put persisted memories into the vector index. A failure is logged and left for a
        later pass (the rows stay unindexed in PostgreSQL): a memory is never lost to it."""
        if not records:
            return True
        try:
            self.store.ensure_collection(self.embedder.model_id, self.embedder.dim)
            self.store.upsert(
                self.embedder.model_id, user_id, [(r.id, r.vector, r.payload()) for r in records]
            )
        except Exception:
            log.warning("vector index unavailable; %d memories left to index later", len(records), exc_info=True)
            return False
        self.repo.mark_indexed(user_id, [r.id for r in records], now)
        return True

    def index_pending(self, user_id: str, now: datetime) -> int:
        pending = self.repo.unindexed_memories(user_id, self.embedder.model_id)
        return len(pending) if pending and self.index(user_id, pending, now) else 0

    # --- recall ------------------------------------------------------------------------------

    def search(
        self,
        user_id: str,
        query: str,
        *,
        k: int = 5,
        now: datetime,
        lambda_param: float = MMR_LAMBDA,
        query_vector: np.ndarray | None = None,
    ) -> list[Memory]:
        """Up to k relevant, mutually diverse memories of this user (MMR over 3k candidates)."""
        if k <= 0 or not query.strip():
            return []
        if query_vector is None:
            query_vector = self.embedder.embed([query], kind="query")[0]
        limit = min(k * CANDIDATE_FACTOR, MAX_CANDIDATES)
        candidates = self._candidates(user_id, query_vector, limit)
        if not candidates:
            return []
        ids = [c[0] for c in candidates]
        vectors = np.vstack([c[1] for c in candidates])
        order = mmr_select(query_vector, vectors, k, lambda_param)
        rows = self.repo.memories_by_ids(user_id, [ids[i] for i in order])
        chosen = [replace(rows[ids[i]], similarity=candidates[i][2]) for i in order if ids[i] in rows]
        self.repo.record_memory_access(user_id, [m.id for m in chosen], now)
        return chosen

    def _candidates(self, user_id: str, query_vector: np.ndarray, limit: int) -> list[tuple[str, np.ndarray, float]]:
        model = self.embedder.model_id
        try:
            self.store.ensure_collection(model, self.embedder.dim)
            hits = self.store.search(model, user_id, query_vector, limit, self.min_similarity)
            return [(h.id, h.vector, h.score) for h in hits]
        except Exception:
            # The index is derived from PostgreSQL, which can answer the same question exactly.
            log.warning("vector index unavailable; searching PostgreSQL instead", exc_info=True)
            rows = self.repo.nearest_memories(user_id, model, query_vector, limit)
            return [(m.id, vec, sim) for m, vec, sim in rows if sim >= self.min_similarity]
