"""Maximal Marginal Relevance (Carbonell & Goldstein, 1998), as the seed's utils/mmr.py specifies."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def mmr_select(
    query: np.ndarray,
    candidates: np.ndarray,
    k: int,
    lambda_param: float = 0.7,
) -> list[int]:
    """Indices of up to ``k`` candidates chosen by MMR.

    ``query`` is (d,), ``candidates`` (n, d); both are L2-normalised so dot products are cosine
    similarities. The first pick is the most similar candidate; each next one maximises
    ``λ·sim(q, d_i) − (1−λ)·max_j sim(d_i, d_j)`` over the selected set.
    """
    n = len(candidates)
    if n == 0 or k <= 0:
        return []
    relevance = candidates @ query
    pairwise = candidates @ candidates.T
    selected = [int(np.argmax(relevance))]
    max_sim_to_selected = pairwise[selected[0]].copy()
    remaining = np.ones(n, dtype=bool)
    remaining[selected[0]] = False
    while len(selected) < min(k, n):
        scores = lambda_param * relevance - (1 - lambda_param) * max_sim_to_selected
        scores[~remaining] = -np.inf
        best = int(np.argmax(scores))
        selected.append(best)
        remaining[best] = False
        max_sim_to_selected = np.maximum(max_sim_to_selected, pairwise[best])
    return selected


def normalise_rows(vectors: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms
