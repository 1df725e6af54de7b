"""Nightly consolidation, per user: related episodic memories become one semantic memory.

``consolidate_user(user_id, now)`` is the job function the scheduled reflection calls for each
user (tests call it directly with a frozen clock). It clusters the user's current, not yet
consolidated episodic memories (``domain.consolidation.cluster``, threshold per embedder), and
turns each cluster of >= 3 into a semantic memory: the fast model's summary (extractive offline),
importance = mean x 1.2 capped at 1, the sources linked (``consolidated_into``) and kept. Recall
then prefers the summary (``prefer_summaries``) and can still reach the sources.

Idempotent: the summary's id is derived from its sources, and a consolidated memory is never
picked again, so a second run changes nothing.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Sequence

import numpy as np

from ..domain.consolidation import cluster, cluster_similarity, consolidated_importance
from ..domain.models import Memory
from ..ports import ProviderError
from .memory import MemoryService

log = logging.getLogger(__name__)

SUMMARY_NAMESPACE = uuid.UUID("2f0c8a57-5d1e-4b8e-9c61-7a3e0b9d4c22")
MAX_MEMORIES_PER_RUN = 200  # the newest unconsolidated ones; the rest wait for the next night


@dataclass
class ConsolidationResult:
    user_id: str
    examined: int = 0
    clusters: int = 0
    created: list[str] = field(default_factory=list)  # ids of the new semantic memories
    consolidated: int = 0  # source memories linked
    summarizer: str = ""


class ConsolidationService:
    def __init__(self, *, store, memory: MemoryService, summarizer, threshold: float | None = None):
        """``threshold`` is the deployment's measured clustering similarity, if any."""
        self.store = store
        self.memory = memory
        self.summarizer = summarizer
        self.threshold = threshold

    def consolidate_user(self, user_id: str, now: datetime) -> ConsolidationResult:
        result = ConsolidationResult(user_id)
        memories = self.store.unconsolidated_episodic(user_id, MAX_MEMORIES_PER_RUN)
        result.examined = len(memories)
        if len(memories) < 3:
            return result
        memories = list(reversed(memories))  # oldest first: summaries read in order
        try:
            vectors = self.memory.embed_documents([m.content for m in memories])
        except ProviderError as error:
            log.warning("embedder unavailable; consolidation waits for the next run: %s", error)
            return result
        groups = cluster(np.asarray(vectors), cluster_similarity(self.memory.embedding_model, self.threshold))
        result.clusters = len(groups)
        records = []
        for group in groups:
            sources = [memories[i] for i in group]
            text, result.summarizer = self.summarizer.summarize([m.content for m in sources], vectors[group])
            summary_id = str(uuid.uuid5(SUMMARY_NAMESPACE, ",".join(sorted(m.id for m in sources))))
            record = self.memory.prepare(user_id, text, memory_id=summary_id, now=now, memory_type="semantic")
            record = replace(record, importance=consolidated_importance([m.importance for m in sources]))
            if self.store.save_summary(user_id, record, [m.id for m in sources], self.memory.save):
                records.append(record)
                result.created.append(record.id)
                result.consolidated += len(sources)
        self.memory.index(user_id, records, now)
        log.info("consolidated", extra={"user_id": user_id, "created": len(result.created),
                                        "consolidated": result.consolidated})
        return result

    def prefer_summaries(self, user_id: str, recalled: Sequence[Memory]) -> list[Memory]:
        """Recall prefers the summary: a recalled source is replaced by its semantic memory (once,
        at the best rank any of its sources had)."""
        summaries = self.store.summaries_of(user_id, [m.id for m in recalled])
        out, seen = [], set()
        for m in recalled:
            chosen = summaries.get(m.id)
            chosen = replace(chosen, similarity=m.similarity) if chosen else m
            if chosen.id not in seen:
                seen.add(chosen.id)
                out.append(chosen)
        return out

    def sources_of(self, user_id: str, memories: Sequence[Memory]) -> dict[str, list[Memory]]:
        return self.store.sources_of(user_id, [m.id for m in memories if m.memory_type == "semantic"])
