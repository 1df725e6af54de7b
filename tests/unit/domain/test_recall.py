import itertools
from datetime import datetime, timedelta, timezone

import numpy as np

from companion.domain.recall import (
    Candidate, memory_score, mmr_order, normalise, recency, score_candidates, weighted_rrf,
)

NOW = datetime(2024, 1, 10, tzinfo=timezone.utc)


def test_weighted_rrf_matches_a_brute_force_reference():
    dense, lexical = ["a", "b", "c", "d"], ["c", "e", "a"]
    fused = weighted_rrf([(dense, 0.7), (lexical, 1.0)], k=5)
    for item in "abcde":
        expected = sum(w / (5 + ranking.index(item) + 1) for ranking, w in [(dense, 0.7), (lexical, 1.0)]
                       if item in ranking)
        assert np.isclose(fused[item], expected)
    assert max(fused, key=fused.get) == "c"  # high in both rankings beats first in one


def _mmr_reference(scores, vectors, k, lam):
    """MMR by its definition: each step tries every remaining candidate."""
    chosen = []
    for _ in range(min(k, len(scores))):
        best, best_value = None, -np.inf
        for i in range(len(scores)):
            if i in chosen:
                continue
            redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            value = lam * scores[i] - (1 - lam) * redundancy
            if value > best_value:
                best, best_value = i, value
        chosen.append(best)
    return chosen


def test_mmr_matches_a_brute_force_reference_on_small_corpora():
    rng = np.random.default_rng(7)
    for n, lam in itertools.product((1, 4, 9), (0.5, 0.9, 1.0)):
        vectors = rng.normal(size=(n, 8))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        scores = rng.random(n)
        assert mmr_order(scores, vectors, 5, lam) == _mmr_reference(scores, vectors, 5, lam)


def test_mmr_drops_a_near_duplicate_for_a_different_memory():
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert mmr_order(np.array([1.0, 0.99, 0.8]), vectors, 2, 0.7) == [0, 2]
    assert mmr_order(np.array([1.0, 0.99, 0.8]), vectors, 2, 1.0) == [0, 1]


def test_recency_decays_0995_per_hour_and_fresh_memories_score_higher():
    assert recency(0) == 1.0
    assert np.isclose(recency(24), 0.995 ** 24)
    assert recency(1) > recency(100) > recency(10_000)  # the sign Generative Agents' code gets wrong
    assert memory_score(0.5, 0.5, 1) > memory_score(0.5, 0.5, 500)


def test_importance_counts_and_the_companion_ranks_below_the_user_on_equal_evidence():
    assert memory_score(0.5, 0.9, 10) > memory_score(0.5, 0.1, 10)
    assert memory_score(0.8, 0.5, 10, author="user") > memory_score(0.8, 0.5, 10, author="companion")


def test_on_equal_evidence_memories_in_the_question_period_come_first():
    from companion.domain.dates import query_period

    period, _ = query_period("what did I do last May", NOW)
    may = Candidate("may", 0.5, NOW - timedelta(days=200), days=(datetime(2023, 5, 9).date(),))
    june = Candidate("june", 0.5, NOW - timedelta(days=200), days=(datetime(2023, 6, 9).date(),))
    # The rankings disagree (dense prefers June, words prefer May) with equal weight.
    scores = score_candidates([may, june], ["june", "may"], ["may", "june"], now=NOW, period=period,
                              dense_weight=1.0, lexical_weight=1.0)
    assert scores["may"] > scores["june"]
    assert score_candidates([may, june], ["june", "may"], ["may", "june"], now=NOW, period=None,
                            dense_weight=1.0, lexical_weight=1.0)["may"] == scores["june"]


def test_normalise_is_min_max():
    assert normalise({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert normalise({"a": 2.0}) == {"a": 1.0}
