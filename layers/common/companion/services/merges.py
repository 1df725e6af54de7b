"""Near-duplicate merge at write time: a new memory that only repeats a current one is merged
into it, so repeats do not crowd recall's top k.

The new-memory job (services/new_memory.py) calls ``merge_if_repeat`` after the importance score
and before the conflict check. The memories nearest to the new one (by their stored vectors, with
a margin, as the conflict check nominates) are compared as bare statements: a repeat is similar
above the embedder's threshold (``domain.merges.merge_similarity``; MERGE_SIMILARITY overrides it,
`make calibrate` measures it) and adds nothing (``domain.merges.adds_nothing``). The repeat leaves
the current memories and the vector index, linked to the memory it repeated (which keeps the
higher importance and counts as just mentioned); forgetting that memory forgets its repeats.
Pinned facts (/remember) are never merged, either way; a companion's words never merge with the
user's.
"""
from __future__ import annotations

import logging
from datetime import datetime

from ..domain.merges import is_repeat, merge_similarity
from ..ports import Embedder, MergeStore, ProviderError, VectorStore

log = logging.getLogger(__name__)

MAX_CANDIDATES = 5
CANDIDATE_MARGIN = 0.2  # stored vectors embed the memory with its context: nominate generously


class MergeService:
    def __init__(self, *, store: MergeStore, embedder: Embedder, vector_store: VectorStore,
                 threshold: float | None = None):
        """``embedder`` embeds bare statements (best the in-process cache the importance score and
        the conflict check share); ``threshold`` is the deployment's measured value, if any."""
        self.store = store
        self.embedder = embedder
        self.vectors = vector_store
        self.threshold = threshold

    def merge_if_repeat(self, user_id: str, memory_id: str, now: datetime) -> str | None:
        """Merge this saved memory into the current one it repeats; the id of that one, or None."""
        model = self.embedder.model_id
        found = self.store.memory_to_merge(user_id, memory_id, model)
        if found is None:
            return None
        new, vector = found
        threshold = merge_similarity(model, self.threshold)
        nominated = self.store.similar_current_memories(user_id, model, vector, new, threshold - CANDIDATE_MARGIN,
                                                        MAX_CANDIDATES)
        if not nominated:
            return None
        try:
            bare = self.embedder.embed([new.content] + [m.content for m in nominated], kind="document")
            similarity = [float(s) for s in bare[1:] @ bare[0]]
        except ProviderError:
            log.warning("embedder unavailable; no merge decided on context vectors")
            return None
        for old, sim in sorted(zip(nominated, similarity), key=lambda pair: -pair[1]):
            if is_repeat(old.content, new.content, sim, threshold) and self.store.merge(user_id, new, old, now):
                log.info("memory merged into the one it repeats", extra={"user_id": user_id, "similarity": round(sim, 4)})
                try:
                    self.vectors.delete_points(user_id, [new.id])
                except Exception:
                    log.warning("vector index unavailable; the repeat stays indexed (filtered at recall)",
                                exc_info=True)
                return old.id
        return None
