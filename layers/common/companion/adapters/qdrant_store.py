"""Qdrant (Cloud in AWS, local mode on a laptop and in tests) as the memory search index.

One collection per embedding model (vectors of different models are never compared) shared by
all users, every point tagged with user_id and every search filtered by it: Qdrant's multitenancy
pattern (a keyword index with is_tenant), instead of the seed's collection per user, which does
not scale past a few thousand users.

Each point carries a named dense vector ("dense", cosine) and a named sparse vector ("lexical":
the memory's stemmed terms weighted by BM25's term-frequency part, with ``Modifier.IDF`` so
Qdrant applies the inverse document frequency at query time). One ``query_batch_points`` round
trip returns both rankings; the service fuses them (domain.recall), the same way it fuses
PostgreSQL's when Qdrant is down.

Qdrant Cloud's API key is live (``LiveKey``: re-read on the secret cache's age, and at once when
the server answers 401/403); a store built on a plain client (local mode, tests) keeps it.
"""
from __future__ import annotations

import re
import warnings
from typing import Callable, Sequence, TypeVar

import numpy as np
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

from ..domain.lexical import document_weights, query_weights, sparse
from ..ports import Rankings, VectorHit
from .live_key import LiveKey

DENSE = "dense"
LEXICAL = "lexical"
T = TypeVar("T")


def collection_name(model_id: str) -> str:
    # "hybrid" layout (named dense + sparse vectors); the older unnamed-vector collections are
    # left alone and rebuilt from PostgreSQL by the re-index command.
    return "memories_hybrid__" + re.sub(r"[^a-z0-9]+", "_", model_id.lower()).strip("_")


def _user_filter(user_id: str) -> models.Filter:
    return models.Filter(must=[models.FieldCondition(key="user_id", match=models.MatchValue(value=user_id))])


class QdrantVectorStore:
    def __init__(self, client: QdrantClient | LiveKey[QdrantClient]):
        self._key = client if isinstance(client, LiveKey) else LiveKey("", lambda _key: client)
        self._ready: set[str] = set()

    @property
    def client(self) -> QdrantClient:
        return self._key.client

    def _call(self, use: Callable[[QdrantClient], T]) -> T:
        return self._key.call(use, refused=_key_refused)

    def ensure_collection(self, model_id: str, dim: int) -> None:
        name = collection_name(model_id)
        if name in self._ready:
            return
        self._call(lambda client: self._create_collection(client, name, dim))
        self._ready.add(name)

    @staticmethod
    def _create_collection(client: QdrantClient, name: str, dim: int) -> None:
        if not client.collection_exists(name):
            client.create_collection(
                name,
                vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
                sparse_vectors_config={LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            )
            with warnings.catch_warnings():
                # Local mode says payload indexes do nothing there; on a server this one matters.
                warnings.simplefilter("ignore", UserWarning)
                client.create_payload_index(
                    name,
                    field_name="user_id",
                    field_schema=models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True),
                )

    def upsert(self, model_id: str, user_id: str, points: Sequence[tuple[str, np.ndarray, dict]]) -> None:
        if not points:
            return
        structs = []
        for pid, vec, payload in points:
            payload = dict(payload)
            indices, values = sparse(document_weights((payload.pop("search_terms", "") or "").split()))
            structs.append(models.PointStruct(
                id=pid,
                vector={DENSE: np.asarray(vec, dtype=np.float32).tolist(),
                        LEXICAL: models.SparseVector(indices=indices, values=values)},
                payload={**payload, "user_id": user_id},
            ))
        self._call(lambda client: client.upsert(collection_name(model_id), points=structs, wait=True))

    def search(
        self, model_id: str, user_id: str, vector: np.ndarray, limit: int, min_score: float = 0.0
    ) -> list[VectorHit]:
        """Dense nearest neighbours of one user (with their vectors)."""
        response = self._call(lambda client: client.query_points(
            collection_name(model_id),
            query=np.asarray(vector, dtype=np.float32).tolist(),
            using=DENSE,
            query_filter=_user_filter(user_id),
            limit=limit,
            score_threshold=min_score,
            with_payload=True,
            with_vectors=[DENSE],
        ))
        return [
            VectorHit(
                id=str(point.id),
                score=float(point.score),
                payload=dict(point.payload or {}),
                vector=np.asarray(point.vector[DENSE], dtype=np.float32),
            )
            for point in response.points
            if (point.payload or {}).get("user_id") == user_id  # belt and braces on isolation
        ]

    def rankings(self, model_id: str, user_id: str, vector: np.ndarray | None,
                 terms: Sequence[str], limit: int) -> Rankings:
        requests, kinds = [], []
        if vector is not None:
            requests.append(models.QueryRequest(
                query=np.asarray(vector, dtype=np.float32).tolist(), using=DENSE,
                filter=_user_filter(user_id), limit=limit, with_payload=["user_id"]))
            kinds.append(DENSE)
        indices, values = sparse(query_weights(list(terms)))
        if indices:
            requests.append(models.QueryRequest(
                query=models.SparseVector(indices=indices, values=values), using=LEXICAL,
                filter=_user_filter(user_id), limit=limit, with_payload=["user_id"]))
            kinds.append(LEXICAL)
        found: dict[str, list[tuple[str, float]]] = {DENSE: [], LEXICAL: []}
        if requests:
            responses = self._call(lambda client: client.query_batch_points(collection_name(model_id), requests=requests))
            for kind, response in zip(kinds, responses):
                found[kind] = [(str(p.id), float(p.score)) for p in response.points
                               if (p.payload or {}).get("user_id") == user_id]
        return Rankings(dense=found[DENSE], lexical=found[LEXICAL])

    # --- forgetting (every collection: a user's points may sit under several embedding models) ---

    def _memory_collections(self) -> list[str]:
        collections = self._call(lambda client: client.get_collections()).collections
        return [c.name for c in collections if c.name.startswith("memories_")]

    @staticmethod
    def _user_filter(user_id: str, point_ids: Sequence[str] | None = None) -> models.Filter:
        must: list = [models.FieldCondition(key="user_id", match=models.MatchValue(value=user_id))]
        if point_ids is not None:
            must.append(models.HasIdCondition(has_id=list(point_ids)))
        return models.Filter(must=must)

    def delete_points(self, user_id: str, point_ids: Sequence[str]) -> None:
        if not point_ids:
            return
        for name in self._memory_collections():
            selector = models.FilterSelector(filter=self._user_filter(user_id, point_ids))
            self._call(lambda client: client.delete(name, points_selector=selector, wait=True))

    def delete_user(self, user_id: str) -> None:
        for name in self._memory_collections():
            selector = models.FilterSelector(filter=self._user_filter(user_id))
            self._call(lambda client: client.delete(name, points_selector=selector, wait=True))

    def count_user_points(self, user_id: str, point_ids: Sequence[str] | None = None) -> int:
        if point_ids is not None and not point_ids:
            return 0
        return sum(
            self._call(lambda client: client.count(name, count_filter=self._user_filter(user_id, point_ids), exact=True)).count
            for name in self._memory_collections()
        )

    def drop_readiness_cache(self) -> None:
        """Forget which collections were seen, so the next ensure_collection asks the server
        again (after the index was wiped or restored from a snapshot)."""
        self._ready.clear()


def _key_refused(error: BaseException) -> bool:
    return isinstance(error, UnexpectedResponse) and error.status_code in (401, 403)
