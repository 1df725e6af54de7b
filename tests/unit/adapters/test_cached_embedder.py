import fakeredis
import numpy as np

from companion.adapters.cached_embedder import CachedEmbedder
from companion.adapters.hashing_embedder import HashingEmbedder
from companion.config import Settings
from companion.wiring import Container


class CountingEmbedder(HashingEmbedder):
    def __init__(self):
        super().__init__(dim=64)
        self.calls = []

    def embed(self, texts, kind="document"):
        self.calls.append(list(texts))
        return super().embed(texts, kind)


def test_second_request_for_the_same_text_is_served_from_redis():
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, fakeredis.FakeRedis())
    first = cached.embed(["a dog", "a cat"])
    second = cached.embed(["a cat", "a bird"])
    assert inner.calls == [["a dog", "a cat"], ["a bird"]]
    assert np.allclose(first[1], second[0])
    assert np.allclose(second[1], inner.embed(["a bird"])[0])


def test_query_and_document_embeddings_are_cached_apart():
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, fakeredis.FakeRedis())
    cached.embed(["same"], kind="document")
    cached.embed(["same"], kind="query")
    assert len(inner.calls) == 2


def test_redis_down_falls_through_to_the_model():
    server = fakeredis.FakeServer()
    server.connected = False
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, fakeredis.FakeRedis(server=server))
    vectors = cached.embed(["hello"])
    assert vectors.shape == (1, 64) and inner.calls == [["hello"]]


def test_wiring_caches_only_when_redis_is_configured():
    assert isinstance(Container(Settings(embeddings="hashing")).embedder, HashingEmbedder)
    wired = Container(Settings(embeddings="hashing", redis_url="redis://localhost:1/0")).embedder
    assert isinstance(wired, CachedEmbedder) and wired.model_id == "hashing-v1-512"


class ClusterModeRedis(fakeredis.FakeRedis):
    """Like ElastiCache Serverless (cluster mode): a multi-key MGET across slots is refused."""

    def mget(self, *args, **kwargs):
        import redis

        raise redis.ResponseError("CROSSSLOT Keys in request don't hash to the same slot")


def test_the_cache_works_on_a_cluster_mode_server():
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, ClusterModeRedis())
    cached.embed(["a dog", "a cat"])
    cached.embed(["a dog", "a cat"])
    assert inner.calls == [["a dog", "a cat"]]  # the second call was served from the cache
