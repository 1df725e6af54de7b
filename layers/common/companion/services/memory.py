"""Long-term memory: write (embed, score, persist, index) and recall (search, MMR)."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Sequence

import numpy as np

from ..domain.importance import heuristic_importance
from ..domain.mmr import mmr_select
from ..domain.models import Memory, MemoryRecord
from ..ports import Embedder, ImportanceScorer, MemoryStore, ProviderError, VectorStore

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
        memories: MemoryStore,
        store: VectorStore,
        embedder: Embedder,
        scorer: ImportanceScorer,
        *,
        min_similarity: float = MIN_SIMILARITY,
    ):
        self.memories = memories
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
        embedding_input: str | None = None,
        defer_embedding: bool = False,
    ) -> MemoryRecord:
        """Everything a memory needs from providers (embedding, importance), computed before the
        database transaction that persists it. ``vector`` may be given when the caller already
        embedded ``embedding_input`` (the content in its context, see ``contextual_text``).

        Provider outages do not lose the memory: without an embedder it is saved unembedded
        (``index_pending`` finishes it later; ``defer_embedding`` skips trying again when the
        caller has just seen the embedder fail); without a scorer it gets the heuristic score."""
        if vector is None and not defer_embedding:
            try:
                vector = self.embedder.embed([embedding_input or content], kind="document")[0]
            except ProviderError as error:
                log.warning("embedder unavailable; memory saved to embed later: %s", error)
        try:
            importance = self.scorer.score(content, {"user_id": user_id, "memory_type": memory_type})
        except ProviderError as error:
            log.warning("importance scorer unavailable; using the heuristic: %s", error)
            importance = heuristic_importance(content)
        return MemoryRecord(
            id=memory_id,
            user_id=user_id,
            content=content,
            memory_type=memory_type,
            importance=float(importance),
            embedding_model=self.embedder.model_id if vector is not None else None,
            vector=vector,
            created_at=now,
            embedding_input=None if vector is not None else (embedding_input or content),
        )

    def index(self, user_id: str, records: Sequence[MemoryRecord], now: datetime) -> bool:
        """Put persisted memories into the vector index. A failure is logged and left for a
        later pass (the rows stay unindexed in PostgreSQL): a memory is never lost to it."""
        records = [r for r in records if r.vector is not None]
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
        self.memories.mark_indexed(user_id, [r.id for r in records], now)
        return True

    def index_pending(self, user_id: str, now: datetime) -> int:
        """Finish memories an outage left behind: embed the unembedded, index the unindexed.
        Returns how many memories were indexed; never raises for a provider still down."""
        pending = self.memories.unembedded_memories(user_id)
        if pending:
            try:
                vectors = self.embedder.embed([text for _, text in pending], kind="document")
            except ProviderError as error:
                log.warning("embedder still unavailable; %d memories wait: %s", len(pending), error)
            else:
                self.memories.set_embeddings(
                    user_id, self.embedder.model_id, [(mid, vectors[i]) for i, (mid, _) in enumerate(pending)]
                )
        unindexed = self.memories.unindexed_memories(user_id, self.embedder.model_id)
        return len(unindexed) if unindexed and self.index(user_id, unindexed, now) else 0

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
            try:
                query_vector = self.embedder.embed([query], kind="query")[0]
            except ProviderError as error:
                log.warning("embedder unavailable; recalling by full-text search: %s", error)
                return self.search_text(user_id, query, k=k, now=now)
        limit = min(k * CANDIDATE_FACTOR, MAX_CANDIDATES)
        candidates = self._candidates(user_id, query_vector, limit)
        if not candidates:
            return []
        ids = [c[0] for c in candidates]
        vectors = np.vstack([c[1] for c in candidates])
        order = mmr_select(query_vector, vectors, k, lambda_param)
        rows = self.memories.memories_by_ids(user_id, [ids[i] for i in order])
        chosen = [replace(rows[ids[i]], similarity=candidates[i][2]) for i in order if ids[i] in rows]
        self.memories.record_memory_access(user_id, [m.id for m in chosen], now)
        return chosen

    def search_text(self, user_id: str, query: str, *, k: int = 5, now: datetime) -> list[Memory]:
        """Recall by words (PostgreSQL full-text), the seed's fallback when embeddings fail."""
        if k <= 0 or not query.strip():
            return []
        found = self.memories.text_search_memories(user_id, query, k)
        self.memories.record_memory_access(user_id, [m.id for m in found], now)
        return found

    def _candidates(self, user_id: str, query_vector: np.ndarray, limit: int) -> list[tuple[str, np.ndarray, float]]:
        model = self.embedder.model_id
        try:
            self.store.ensure_collection(model, self.embedder.dim)
            hits = self.store.search(model, user_id, query_vector, limit, self.min_similarity)
            return [(h.id, h.vector, h.score) for h in hits]
        except Exception:
            # The index is derived from PostgreSQL, which can answer the same question exactly.
            log.warning("vector index unavailable; searching PostgreSQL instead", exc_info=True)
            rows = self.memories.nearest_memories(user_id, model, query_vector, limit)
            return [(m.id, vec, sim) for m, vec, sim in rows if sim >= self.min_similarity]

    # --- listing -----------------------------------------------------------------------------

    def list_memories(self, user_id: str, memory_type: str, *, limit: int,
                      before: tuple[datetime, str] | None = None) -> list[Memory]:
        """A page of the user's current memories, newest first (keyset: see the store)."""
        return self.memories.list_memories(user_id, memory_type, limit, before)
