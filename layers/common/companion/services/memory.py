"""Long-term memory: write (index text, embed, score, persist, index) and recall (hybrid search,
one scoring function, MMR).

Recall ranks a user's memories two ways, by meaning (dense vectors) and by words (BM25 over
stemmed terms), in the search index (Qdrant; PostgreSQL when Qdrant is down or when PostgreSQL
is the index), fuses the rankings and scores each candidate with importance, recency, authorship
and the question's time period (domain.recall), then picks the final k by MMR. Time expressions
in the question become a preferred period; the rest of the question becomes lexical terms
(stop words and question words are not content).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import numpy as np

from ..domain import recall as ranking
from ..domain.dates import Period, mentioned_days, period_words, query_period
from ..domain.importance import heuristic_importance
from ..domain.lexical import terms as lexical_terms_of
from ..domain.memory_text import (
    RECIPE_VERSION, USER, embedding_text, indexed_text, lexical_terms,
)
from ..domain.models import Memory, MemoryRecord
from ..ports import Embedder, ImportanceScorer, MemoryStore, ProviderError, Rankings, Tx, VectorStore

log = logging.getLogger(__name__)

CANDIDATE_FACTOR = 3  # the seed's "3x candidates for MMR selection"
MIN_CANDIDATES = 30
MAX_CANDIDATES = 150
# MMR's relevance/diversity balance over the final scores. 0.9: guards the final k against
# near-duplicates (companions hear "I love it!" many times) at ~0.5 point of R@5 on LoCoMo.
MMR_LAMBDA = 0.9
ACCESS_FLUSH_AT = 500  # pending access records written even if nobody flushes


def contextual_text(message: str, previous: str | None) -> str:
    """The text a conversational memory is embedded as: the message with the one before it.

    "His name is Sparky." means nothing alone; after "I got a new puppy today!" it is about the
    puppy. Embedding the pair (contextual retrieval) lets a later search for "puppy" find it,
    while the stored content stays exactly what the user said.
    """
    return embedding_text(message, previous)


@dataclass(frozen=True)
class Query:
    """A question understood without a language model."""

    text: str
    terms: list[str]
    period: Period | None


def understand(question: str, now: datetime) -> Query:
    """Lexical terms without question or stop words; a time expression becomes a preferred
    period, and (for a day, a month or a year) the words memories of then are indexed with
    ("last May" asked in November 2023 searches "May 2023")."""
    period, rest = query_period(question, now)
    terms = lexical_terms_of(rest)
    if period is not None:
        terms += lexical_terms_of(period_words(period))
    return Query(text=question, terms=terms, period=period)


class MemoryService:
    def __init__(
        self,
        memories: MemoryStore,
        store: VectorStore,
        embedder: Embedder,
        scorer: ImportanceScorer,
        *,
        fallback: VectorStore | None = None,
        related_similarity: float | None = None,
    ):
        self.memories = memories
        self.store = store
        self.embedder = embedder
        self.scorer = scorer
        # PostgreSQL answers the same hybrid query when the index is down.
        self.fallback = fallback
        # The deployment's measured "related at all" floor (RELATED_SIMILARITY), if any.
        self.related_similarity = related_similarity
        self._pending_access: dict[tuple[str, datetime], set[str]] = {}

    # --- writing -----------------------------------------------------------------------------

    @property
    def embedding_model(self) -> str:
        """The id of the model that embeds memories (vectors of different models never meet)."""
        return self.embedder.model_id

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Texts embedded as stored memories are; ProviderError when the embedder is down."""
        return self.embedder.embed(list(texts), kind="document")

    def embed_document(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def save(self, tx: Tx, record: MemoryRecord, source_interaction_id: int | None) -> None:
        """A prepared memory, written in the caller's transaction (a turn's, a summary's)."""
        self.memories.insert_memory(tx, record, source_interaction_id)

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
        author: str = USER,
        author_name: str | None = None,
        caption: str | None = None,
        context: str | None = None,
        importance: float | None = None,
        pinned: bool = False,
    ) -> MemoryRecord:
        """Everything a memory needs from providers (embedding, importance), computed before the
        database transaction that persists it. The memory is indexed as
        ``domain.memory_text.indexed_text`` (speaker, absolute dates, caption) and embedded with
        its context (``embedding_input``; give ``vector`` when the caller already embedded it).

        Provider outages do not lose the memory: without an embedder it is saved unembedded
        (``index_pending`` finishes it later; ``defer_embedding`` skips trying again when the
        caller has just seen the embedder fail); without a scorer it gets the heuristic score.
        ``pinned``: a fact the person asked to keep (/remember); give it its importance (1.0)."""
        search_text = indexed_text(content, author_name=author_name or author, when=now, caption=caption)
        embedding_input = embedding_input or embedding_text(search_text, context)
        if vector is None and not defer_embedding:
            try:
                vector = self.embedder.embed([embedding_input], kind="document")[0]
            except ProviderError as error:
                log.warning("embedder unavailable; memory saved to embed later: %s", error)
        if importance is None:
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
            embedding_input=None if vector is not None else embedding_input,
            author=author,
            author_name=author_name,
            caption=caption,
            context_text=context,
            search_text=search_text,
            search_terms=lexical_terms(search_text),
            recipe_version=RECIPE_VERSION,
            pinned=pinned,
        )

    def score_stored(self, user_id: str, memory_id: str) -> bool:
        """Score a saved memory's importance with the scorer (a turn saves its memory with the
        heuristic score, so the reply never waits for a provider); False when the memory is gone
        or replaced. A scorer outage leaves the heuristic score."""
        memory = self.memories.memories_by_ids(user_id, [memory_id]).get(memory_id)
        if memory is None:
            return False
        if memory.pinned:  # the person said it matters: it keeps 1.0
            return True
        try:
            importance = self.scorer.score(memory.content, {"user_id": user_id, "memory_type": memory.memory_type})
        except ProviderError as error:
            log.warning("importance scorer unavailable; the heuristic score stays: %s", error)
            return True
        self.memories.set_importance(user_id, memory_id, float(importance))
        return True

    def remember(self, user_id: str, items: Sequence[dict], now: datetime | None = None) -> list[MemoryRecord]:
        """Write memories outside a turn (imports, benchmarks): each item has ``memory_id``,
        ``content``, ``now`` and optionally author, author_name, caption, context, importance,
        pinned. Embedded in one
        batch, persisted in one transaction, then indexed."""
        texts, prepared = [], []
        for item in items:
            search_text = indexed_text(item["content"], author_name=item.get("author_name") or item.get("author", USER),
                                       when=item["now"], caption=item.get("caption"))
            texts.append(embedding_text(search_text, item.get("context")))
        try:
            vectors = self.embedder.embed(texts, kind="document") if texts else []
        except ProviderError as error:
            log.warning("embedder unavailable; %d memories saved to embed later: %s", len(texts), error)
            vectors = [None] * len(texts)
        for item, text, vector in zip(items, texts, vectors):
            prepared.append(self.prepare(
                user_id, item["content"], memory_id=item["memory_id"], now=item["now"], vector=vector,
                embedding_input=text, defer_embedding=vector is None, author=item.get("author", USER),
                author_name=item.get("author_name"), caption=item.get("caption"), context=item.get("context"),
                importance=item.get("importance"), pinned=item.get("pinned", False)))
        self.memories.insert_memories(user_id, prepared)
        self.index(user_id, prepared, now or max((r.created_at for r in prepared), default=datetime.now()))
        return prepared

    def index(self, user_id: str, records: Sequence[MemoryRecord], now: datetime) -> bool:
        """Put persisted memories into the search index. A failure is logged and left for a
        later pass (the rows stay unindexed in PostgreSQL): a memory is never lost to it."""
        records = [r for r in records if r.vector is not None]
        if not records:
            return True
        try:
            self.store.ensure_collection(self.embedder.model_id, self.embedder.dim)
            self.store.upsert(
                self.embedder.model_id, user_id,
                [(r.id, r.vector, {**r.payload(), "search_terms": r.search_terms}) for r in records],
            )
        except Exception:
            log.warning("vector index unavailable; %d memories left to index later", len(records), exc_info=True)
            return False
        self.memories.mark_indexed(user_id, [r.id for r in records], now)
        return True

    def index_pending(self, user_id: str, now: datetime) -> int:
        """Finish memories an outage (or a deferred write) left behind: embed the unembedded,
        index the unindexed, one batch (callers that must finish loop until it returns 0).
        Returns how many were indexed; never raises for a provider still down."""
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

    def reindex(self, user_id: str, now: datetime, *, batch: int = 200) -> int:
        """Rebuild every memory's indexed text, terms and vector from its stored content (after
        the recipe or the embedding model changed), then the search index. Returns how many."""
        done = 0
        while True:
            rows = self.memories.memories_to_reindex(user_id, RECIPE_VERSION, batch)
            if not rows:
                break
            updates = []
            for row in rows:
                search_text = indexed_text(row["content"], author_name=row["author_name"] or row["author"],
                                           when=row["created_at"], caption=row["caption"])
                updates.append({"id": row["id"], "search_text": search_text,
                                "search_terms": lexical_terms(search_text), "recipe_version": RECIPE_VERSION,
                                "embedding_input": embedding_text(search_text, row["context_text"])})
            try:
                vectors = self.embedder.embed([u["embedding_input"] for u in updates], kind="document")
            except ProviderError as error:
                log.warning("embedder unavailable; re-indexed text now, vectors later: %s", error)
                vectors = [None] * len(updates)
            for update, vector in zip(updates, vectors):
                update["vector"], update["embedding_model"] = vector, self.embedder.model_id
            self.memories.set_search_text(user_id, updates)
            done += len(updates)
        while self.index_pending(user_id, now):
            pass
        return done

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
        record_access: bool = True,
    ) -> list[Memory]:
        """Up to k relevant, mutually diverse memories of this user, best first; empty only when
        nothing is related at all. Without an embedder it answers by words alone."""
        if k <= 0 or not query.strip():
            return []
        if query_vector is None:
            try:
                query_vector = self.embedder.embed([query], kind="query")[0]
            except ProviderError as error:
                log.warning("embedder unavailable; recalling by words alone: %s", error)
        return self._recall(user_id, understand(query, now), query_vector, k, now, lambda_param, record_access)

    def search_text(self, user_id: str, query: str, *, k: int = 5, now: datetime) -> list[Memory]:
        """Recall by words alone (the embedder is down)."""
        if k <= 0 or not query.strip():
            return []
        return self._recall(user_id, understand(query, now), None, k, now, MMR_LAMBDA, True)

    def flush_access(self) -> None:
        """Write the pending access records (recency is by last access). Called after the reply
        is delivered, so recall never waits on this write."""
        pending, self._pending_access = self._pending_access, {}
        for (user_id, now), ids in pending.items():
            try:
                self.memories.record_memory_access(user_id, sorted(ids), now)
            except Exception:
                log.warning("could not record memory access", exc_info=True)

    def _recall(self, user_id: str, q: Query, vector, k: int, now: datetime, lambda_param: float,
                record_access: bool) -> list[Memory]:
        limit = min(max(k * CANDIDATE_FACTOR, MIN_CANDIDATES), MAX_CANDIDATES)
        found = self._rankings(user_id, vector, q.terms, limit)
        floor = ranking.related_similarity(self.embedder.model_id, self.related_similarity)
        if not found.lexical and not any(sim >= floor for _, sim in found.dense[:1]):
            return []  # nothing shares a word with the question and nothing is close in meaning
        similarity = dict(found.dense)
        ids = list(dict.fromkeys([i for i, _ in found.dense] + [i for i, _ in found.lexical]))
        rows = self.memories.recall_candidates(user_id, ids)
        if not rows:
            return []
        position = {memory_id: n for n, memory_id in enumerate(ids)}
        rows.sort(key=lambda row: position[row["id"]])
        candidates = [
            ranking.Candidate(
                id=row["id"], importance=row["importance"], last_accessed=row["last_accessed"],
                author=row["author"],
                days=tuple([row["created_at"].date(), *mentioned_days(row["search_text"] or "")]),
            )
            for row in rows
        ]
        scores = ranking.score_candidates(candidates, [i for i, _ in found.dense], [i for i, _ in found.lexical],
                                          now=now, period=q.period)
        dim = next((len(r["embedding"]) for r in rows if r["embedding"] is not None), 1)
        vectors = np.vstack([r["embedding"] if r["embedding"] is not None and len(r["embedding"]) == dim
                             else np.zeros(dim, dtype=np.float32) for r in rows])
        score_array = np.array([scores[r["id"]] for r in rows])
        order = ranking.mmr_order(score_array, vectors, k, lambda_param)
        chosen = []
        for i in order:
            row = rows[i]
            chosen.append(Memory(
                id=row["id"], user_id=row["user_id"], content=row["content"], memory_type=row["memory_type"],
                importance=row["importance"], created_at=row["created_at"], access_count=row["access_count"],
                author=row["author"], similarity=similarity.get(row["id"], 0.0), score=float(score_array[i]),
                pinned=row["pinned"],
            ))
        if record_access and chosen:
            self._pending_access.setdefault((user_id, now), set()).update(m.id for m in chosen)
            if sum(len(v) for v in self._pending_access.values()) >= ACCESS_FLUSH_AT:
                self.flush_access()
        return chosen

    def _rankings(self, user_id: str, vector, terms: list[str], limit: int) -> Rankings:
        model = self.embedder.model_id
        if vector is None and self.fallback is not None:
            # No query vector means the embedder is down, so recent memories may be unembedded
            # and not in the index yet: PostgreSQL has every row.
            return self.fallback.rankings(model, user_id, None, terms, limit)
        try:
            self.store.ensure_collection(model, self.embedder.dim)
            return self.store.rankings(model, user_id, vector, terms, limit)
        except Exception:
            if self.fallback is None or self.fallback is self.store:
                raise
            # The index is derived from PostgreSQL, which can answer the same question.
            log.warning("search index unavailable; searching PostgreSQL instead", exc_info=True)
            return self.fallback.rankings(model, user_id, vector, terms, limit)

    # --- listing -----------------------------------------------------------------------------

    def pinned_memories(self, user_id: str, *, limit: int) -> list[Memory]:
        """The facts the person asked to keep (/remember), newest first."""
        return self.memories.pinned_memories(user_id, limit)

    def list_memories(self, user_id: str, memory_type: str, *, limit: int,
                      before: tuple[datetime, str] | None = None) -> list[Memory]:
        """A page of the user's current memories, newest first (keyset: see the store)."""
        return self.memories.list_memories(user_id, memory_type, limit, before)
