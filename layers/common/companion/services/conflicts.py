"""Keeping memory true: contradictions detected on store, resolved by time or by asking.

After a turn has replied, its new memory's job (services/new_memory.py, a worker invocation of
its own) calls ``check_stored``, which compares the new memory with the user's similar current
memories (threshold per embedder, ``domain.conflicts.candidate_similarity``) and with those holding
the same kind of fact (``domain.contradictions.candidate_terms``: where they live, their job, their
partner...), through the judge (fast model, heuristic fallback), and records each contradiction in ``memory_conflicts``. A confident one is
resolved by temporal precedence: the older memory gets ``valid_to`` and leaves the vector index,
but stays in PostgreSQL, reachable as history of the memory that replaced it. An uncertain one is
asked about in the next reply (``question``), and the user's answer resolves it (``hear``).
Nothing is deleted here.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Sequence

from ..domain.conflicts import candidate_similarity, clarifying_question
from ..domain.contradictions import candidate_terms, family_candidate
from ..domain.models import Memory
from ..ports import ConflictJudge, ConflictStore, Embedder, ProviderError, StoredConflict, VectorStore

log = logging.getLogger(__name__)

MAX_CANDIDATES = 5  # similar memories judged per new memory (each may cost a fast-model call)
MAX_FAMILY_CANDIDATES = 3  # more judged because they hold the same kind of fact (domain.contradictions)
FACT_LOOKUP = 20  # stored statements read by the cue words before the family filter
CANDIDATE_MARGIN = 0.2  # how far below the threshold a stored vector may score and still be looked at


class ConflictService:
    def __init__(self, *, conflicts: ConflictStore, judge: ConflictJudge, embedder: Embedder,
                 vector_store: VectorStore, threshold: float | None = None):
        """``embedder`` embeds bare statements (best behind an in-process cache: the importance
        score embedded the new one already, and earlier turns' scores their neighbours);
        ``threshold`` is the deployment's measured candidate similarity, if any."""
        self.conflicts = conflicts
        self.judge = judge
        self.embedder = embedder
        self.vectors = vector_store
        self.threshold = threshold

    def check_stored(self, user_id: str, memory_id: str, interaction_key: str, now: datetime) -> list[int]:
        """Judge a saved memory (read back with its vector) against the similar ones; returns the
        conflict ids recorded, none when it is gone, replaced, not episodic or not embedded."""
        found = self.conflicts.memory_to_check(user_id, memory_id, self.embedder.model_id)
        if found is None:
            return []
        new, vector = found
        return self._check(user_id, new, vector, interaction_key, now)

    def _check(self, user_id: str, new: Memory, vector, interaction_key: str, now: datetime) -> list[int]:
        threshold = candidate_similarity(self.embedder.model_id, self.threshold)
        recorded, closed = [], []
        # Stored vectors embed each memory's indexed text (context, date, speaker), so they only
        # nominate candidates (with a margin); the calibrated threshold is applied to the bare
        # statements, as measured (benchmarks/conflict_eval.py).
        nominated = self.conflicts.similar_current_memories(
            user_id, self.embedder.model_id, vector, new.id, threshold - CANDIDATE_MARGIN, MAX_CANDIDATES)
        judged: list[tuple[Memory, float]] = []
        if nominated:
            try:
                bare = self.embedder.embed([new.content] + [m.content for m in nominated], kind="document")
                similarity = bare[1:] @ bare[0]
            except ProviderError:
                log.warning("embedder unavailable; judging the nominated memories as they are")
                similarity = [m.similarity for m in nominated]
            judged = [(old, float(sim)) for old, sim in zip(nominated, similarity) if float(sim) >= threshold]
        judged += [(old, -1.0) for old in self._same_fact_candidates(user_id, new, {m.id for m, _ in judged})]
        for old, sim in judged:
            verdict = self.judge.judge(old.content, new.content)
            if not verdict.has_conflict:
                continue
            context = {"interaction": interaction_key, "similarity": round(sim, 4) if sim >= 0 else None,
                       "found_by": "meaning" if sim >= 0 else "fact family"}
            conflict_id = self.conflicts.record(user_id, new, old, verdict, context, now)
            if conflict_id is None:
                continue
            recorded.append(conflict_id)
            log.info("memory conflict", extra={"user_id": user_id, "type": verdict.conflict_type,
                                               "confidence": verdict.confidence, "method": verdict.method})
            if verdict.resolve_automatically:
                closed.append(old.id if old.created_at <= new.created_at else new.id)
        self._unindex(user_id, closed)
        return recorded

    def _same_fact_candidates(self, user_id: str, new: Memory, seen: set[str]) -> list[Memory]:
        """Stored statements of the same kind of fact as the new one (where they live, their job,
        their partner, a habit, a feeling about the same thing), found by words: two statements
        of one fact rarely sound alike ("I live in Lisbon, a lovely city" / "Big news: I moved
        to Berlin last week" score 0.17 on MiniLM), so similarity alone would miss them. Only
        those holding a fact of the same family and holder are judged, the newest first."""
        terms = candidate_terms(new.content)
        if not terms:
            return []
        found = self.conflicts.current_memories_with_terms(user_id, terms, new.id, FACT_LOOKUP)
        same = [m for m in found if m.id not in seen and family_candidate(m.content, new.content)]
        return same[:MAX_FAMILY_CANDIDATES]

    # --- asking the user ---------------------------------------------------------------------------

    def question(self, user_id: str) -> tuple[StoredConflict, str] | None:
        """The next uncertain conflict to ask about, and how to ask."""
        conflict = self.conflicts.unasked(user_id)
        if conflict is None:
            return None
        return conflict, clarifying_question(conflict.old_content, conflict.new_content)

    def mark_asked(self, user_id: str, conflict: StoredConflict, interaction_key: str, now: datetime) -> None:
        self.conflicts.mark_asked(user_id, conflict.id, interaction_key, now)

    def hear(self, user_id: str, message: str, now: datetime) -> str | None:
        """If the companion asked about a conflict, read this message as the answer and resolve
        it; returns a note of what was decided (for /why), None when nothing was asked."""
        conflict = self.conflicts.awaiting_answer(user_id)
        if conflict is None:
            return None
        keep = self.judge.answer(conflict.old_content, conflict.new_content, message)
        closed = self.conflicts.resolve_by_user(user_id, conflict, keep, message, now)
        self._unindex(user_id, closed)
        return {
            "new": f'you confirmed "{conflict.new_content}"; "{conflict.old_content}" is kept as history',
            "old": f'you confirmed "{conflict.old_content}"; "{conflict.new_content}" is kept as history',
            "both": f'you said both "{conflict.old_content}" and "{conflict.new_content}" are true',
            "unclear": "your answer didn't settle my question, so I kept both statements",
        }[keep]

    # --- history ---------------------------------------------------------------------------------

    def current_only(self, user_id: str, memories: Sequence[Memory]) -> list[Memory]:
        """Recall may find a replaced fact (by words, say): it is history, not a current fact."""
        replaced = self.conflicts.superseded_ids(user_id, [m.id for m in memories])
        return [m for m in memories if m.id not in replaced]

    def history_for(self, user_id: str, memories: Sequence[Memory]) -> dict[str, list[Memory]]:
        """For recalled current memories, the older statements they replaced."""
        return self.conflicts.history_for(user_id, [m.id for m in memories])

    def _unindex(self, user_id: str, memory_ids: list[str]) -> None:
        """A memory that is no longer current leaves the vector index (PostgreSQL keeps it). If
        the index is down, recall still drops it (it filters on valid_to)."""
        if not memory_ids:
            return
        try:
            self.vectors.delete_points(user_id, memory_ids)
        except Exception:
            log.warning("vector index unavailable; superseded memories stay indexed (filtered at recall)",
                        exc_info=True)


def with_history_lines(memories: Sequence[Memory], history: dict[str, list[Memory]],
                       line=lambda m: m.content) -> list[str]:
    """What the reply model is told: each current memory, then what it replaced, marked past."""
    lines = []
    for m in memories:
        lines.append(line(m))
        for old in history.get(m.id, []):
            until = (old.valid_to or m.created_at).strftime("%d %b %Y")
            lines.append(f'(no longer true since {until}; they used to say: "{old.content}")')
    return lines

