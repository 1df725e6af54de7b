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

Dense vectors are stored as float16 (half the space of float32; cosines move by ~1e-3, README
"Storage"), in collections named ``memories_hybrid16__<model>``. A deployment that still has the
float32 collection of a model (``memories_hybrid__<model>``) keeps reading it, and writes go to
both, until ``make reindex`` (or the migrate function's "reindex-vectors") has put every memory
into the new one from PostgreSQL and deletes the old (``retire_legacy``).

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


# The current layout: named dense (float16) + sparse vectors.
LAYOUT = "memories_hybrid16__"
# Earlier layouts of the same points (float32 dense vectors), read until retired. The still older
# unnamed-vector collections ("memories_<model>") are left alone.
LEGACY_LAYOUTS = ("memories_hybrid__",)


def _slug(model_id: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", model_id.lower()).strip("_")


def collection_name(model_id: str) -> str:
    return LAYOUT + _slug(model_id)


def legacy_collection_names(model_id: str) -> list[str]:
    return [prefix + _slug(model_id) for prefix in LEGACY_LAYOUTS]


def collection_params(dim: int) -> dict:
    """``create_collection``'s arguments for a model's vectors of ``dim`` dimensions
    (benchmarks/storage.py builds the same layout in Qdrant Edge to measure it)."""
    return {
        "vectors_config": {DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE,
                                                      datatype=models.Datatype.FLOAT16)},
        "sparse_vectors_config": {LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)},
    }


# Every search filters on user_id: a tenant index keeps each user's points together on disk.
TENANT_INDEX = models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True)


def point(point_id: str, user_id: str, vector: np.ndarray, payload: dict) -> models.PointStruct:
    """A memory as a point: its dense vector, its stemmed terms (``payload["search_terms"]``) as
    the sparse vector, and the rest of ``payload`` with the owner."""
    payload = dict(payload)
    indices, values = sparse(document_weights((payload.pop("search_terms", "") or "").split()))
    return models.PointStruct(
        id=point_id,
        vector={DENSE: np.asarray(vector, dtype=np.float32).tolist(),
                LEXICAL: models.SparseVector(indices=indices, values=values)},
        payload={**payload, "user_id": user_id},
    )


def _user_filter(user_id: str) -> models.Filter:
    return models.Filter(must=[models.FieldCondition(key="user_id", match=models.MatchValue(value=user_id))])


class QdrantVectorStore:
    def __init__(self, client: QdrantClient | LiveKey[QdrantClient]):
        self._key = client if isinstance(client, LiveKey) else LiveKey("", lambda _key: client)
        self._ready: set[str] = set()
        self._legacy: dict[str, list[str]] = {}  # model -> its legacy collections still there

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
        self._legacy[model_id] = self._existing_legacy(model_id)
        self._ready.add(name)

    def _existing_legacy(self, model_id: str) -> list[str]:
        return [n for n in legacy_collection_names(model_id)
                if self._call(lambda client: client.collection_exists(n))]

    def _reading(self, model_id: str) -> str:
        """Where a model's points are searched: its legacy collection while one is there (it is
        complete; the new one fills up), else the current one."""
        legacy = self._legacy.get(model_id)
        return legacy[0] if legacy else collection_name(model_id)

    def _using(self, model_id: str, use: Callable[[], T]) -> T:
        """``use()``, once more after a legacy collection turned out to be gone (another process
        retired it) and this store stopped using it."""
        try:
            return use()
        except Exception:
            cached = self._legacy.get(model_id)
            if not cached or self._existing_legacy(model_id) == cached:
                raise
        self._legacy[model_id] = self._existing_legacy(model_id)
        return use()

    def legacy_collections(self, model_id: str) -> list[str]:
        """The model's collections of an earlier layout that are still there."""
        return self._existing_legacy(model_id)

    def retire_legacy(self, model_id: str) -> list[str]:
        """Delete the model's collections of an earlier layout (after every memory was put into
        the current one); returns their names."""
        retired = self._existing_legacy(model_id)
        for name in retired:
            self._call(lambda client: client.delete_collection(name))
        self._legacy[model_id] = []
        return retired

    @staticmethod
    def _create_collection(client: QdrantClient, name: str, dim: int) -> None:
        if not client.collection_exists(name):
            client.create_collection(name, **collection_params(dim))
            with warnings.catch_warnings():
                # Local mode says payload indexes do nothing there; on a server this one matters.
                warnings.simplefilter("ignore", UserWarning)
                client.create_payload_index(name, field_name="user_id", field_schema=TENANT_INDEX)

    def upsert(self, model_id: str, user_id: str, points: Sequence[tuple[str, np.ndarray, dict]]) -> None:
        if not points:
            return
        structs = [point(pid, user_id, vec, payload) for pid, vec, payload in points]

        def write() -> None:
            for name in [collection_name(model_id), *self._legacy.get(model_id, [])]:
                self._call(lambda client: client.upsert(name, points=structs, wait=True))

        self._using(model_id, write)

    def search(
        self, model_id: str, user_id: str, vector: np.ndarray, limit: int, min_score: float = 0.0
    ) -> list[VectorHit]:
        """Dense nearest neighbours of one user (with their vectors)."""
        response = self._using(model_id, lambda: self._call(lambda client: client.query_points(
            self._reading(model_id),
            query=np.asarray(vector, dtype=np.float32).tolist(),
            using=DENSE,
            query_filter=_user_filter(user_id),
            limit=limit,
            score_threshold=min_score,
            with_payload=True,
            with_vectors=[DENSE],
        )))
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
            responses = self._using(model_id, lambda: self._call(
                lambda client: client.query_batch_points(self._reading(model_id), requests=requests)))
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

    def delete_ids(self, point_ids: Sequence[str]) -> None:
        """Removes these points whoever's they are: the retention purge's ids, read from
        PostgreSQL across users (one call per collection instead of one per user)."""
        if not point_ids:
            return
        selector = models.PointIdsList(points=list(point_ids))
        for name in self._memory_collections():
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
        self._legacy.clear()


def _key_refused(error: BaseException) -> bool:
    return isinstance(error, UnexpectedResponse) and error.status_code in (401, 403)
