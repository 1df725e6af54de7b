import numpy as np
import pytest

from companion.adapters.hashing_embedder import HashingEmbedder
from companion.adapters.memo_embedder import MemoEmbedder
from companion.ports import ProviderError


class CountingEmbedder(HashingEmbedder):
    def __init__(self, dim=64):
        super().__init__(dim=dim)
        self.calls = []

    def embed(self, texts, kind="document"):
        self.calls.append(list(texts))
        return super().embed(texts, kind)


def test_a_text_is_embedded_once_and_only_the_missing_ones_reach_the_model():
    inner = CountingEmbedder()
    memo = MemoEmbedder(inner)
    first = memo.embed(["I love coffee", "a cat"])
    second = memo.embed(["a cat", "a bird", "I love coffee"])
    assert inner.calls == [["I love coffee", "a cat"], ["a bird"]]
    assert np.array_equal(second[0], first[1]) and np.array_equal(second[2], first[0])
    assert np.allclose(second[1], inner.embed(["a bird"])[0])
    assert memo.embed([]).shape == (0, 64)


def test_document_and_query_vectors_are_kept_apart():
    inner = CountingEmbedder()
    memo = MemoEmbedder(inner)
    memo.embed(["same"], kind="document")
    memo.embed(["same"], kind="query")
    assert len(inner.calls) == 2


def test_forget_drops_the_texts_so_nothing_of_them_stays_in_the_process():
    inner = CountingEmbedder()
    memo = MemoEmbedder(inner)
    memo.embed(["my old address is 5 Elm St", "the weather"])
    memo.embed(["my old address is 5 Elm St"], kind="query")
    memo.forget("u1", ["my old address is 5 Elm St"])
    assert len(memo) == 1
    memo.embed(["my old address is 5 Elm St", "the weather"])
    assert inner.calls[-1] == ["my old address is 5 Elm St"]


def test_the_cache_is_bounded_least_recently_used_first():
    inner = CountingEmbedder(dim=64)
    memo = MemoEmbedder(inner, max_bytes=3 * 64 * 4)  # room for three vectors
    memo.embed(["a", "b", "c"])
    memo.embed(["a"])  # a is now the most recently used
    memo.embed(["d"])  # evicts b
    assert len(memo) == 3
    inner.calls.clear()
    memo.embed(["a", "c", "d", "b"])
    assert inner.calls == [["b"]]


def test_a_failing_model_raises_and_caches_nothing():
    class Down(CountingEmbedder):
        def embed(self, texts, kind="document"):
            raise ProviderError("down")

    memo = MemoEmbedder(Down())
    with pytest.raises(ProviderError):
        memo.embed(["x"])
    assert len(memo) == 0


def test_a_vector_is_kept_at_most_a_day_so_no_retention_is_outlived_in_a_warm_process():
    inner = CountingEmbedder()
    now = [1000.0]
    memo = MemoEmbedder(inner, monotonic=lambda: now[0])
    memo.embed(["I keep bees"])
    now[0] += 86_400  # a day: still held
    memo.embed(["I keep bees"])
    assert len(inner.calls) == 1
    now[0] += 1  # older than a day since it was stored: gone, embedded again
    memo.embed(["I keep bees"])
    assert len(inner.calls) == 2 and len(memo) == 1
