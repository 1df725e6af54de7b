import numpy as np

from companion.domain.mmr import mmr_select, normalise_rows


def test_first_pick_is_the_most_relevant():
    query = normalise_rows([[1.0, 0.0]])[0]
    candidates = normalise_rows([[0.5, 0.5], [1.0, 0.1], [0.0, 1.0]])
    assert mmr_select(query, candidates, k=1) == [1]


def test_near_duplicates_give_way_to_a_diverse_candidate():
    query = normalise_rows([[1.0, 0.0]])[0]
    candidates = normalise_rows([
        [1.0, 0.3],    # most relevant (0.958)
        [1.0, 0.31],   # near-duplicate of it (0.955)
        [1.0, -0.4],   # less relevant (0.928), but different
    ])
    assert mmr_select(query, candidates, k=2, lambda_param=0.7) == [0, 2]
    # With λ = 1 MMR is plain relevance ranking and the duplicate wins.
    assert mmr_select(query, candidates, k=2, lambda_param=1.0) == [0, 1]


def test_never_returns_more_than_there_are_and_handles_empty():
    query = normalise_rows([[1.0, 0.0]])[0]
    assert mmr_select(query, np.zeros((0, 2), dtype=np.float32), k=5) == []
    assert sorted(mmr_select(query, normalise_rows([[1, 0], [0, 1]]), k=5)) == [0, 1]


def test_normalise_rows_leaves_zero_vectors_alone():
    out = normalise_rows([[3.0, 4.0], [0.0, 0.0]])
    assert np.allclose(out[0], [0.6, 0.8]) and np.allclose(out[1], [0, 0])
