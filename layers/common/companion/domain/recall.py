"""Ranking recalled memories: fusion of the dense and lexical rankings, then one scoring function
for relevance, importance, recency and authorship, then MMR for diversity.

The scoring function is the one place that says how much each signal counts (the memory
lifecycle reuses it):

    score = AUTHOR_WEIGHT[author] * relevance + IMPORTANCE_WEIGHT * importance
            + RECENCY_WEIGHT * recency + PERIOD_WEIGHT * in_period

- relevance: weighted reciprocal-rank fusion (Cormack et al., 2009) of the dense ranking and the
  BM25 ranking, ``sum_r w_r / (RRF_K + rank_r)``, min-max normalised over the candidates to [0, 1];
- importance: the memory's importance in [0, 1] (the seed's boost of 0.1);
- recency: Generative Agents' exponential decay, ``0.995 ** hours`` since the memory was last
  accessed (or made): 1.0 now, 0.89 after a day, 0.43 after a week (half-life ~138 h); the seed's
  boost of 0.05;
- in_period: 1 when the question names a time ("last May") and the memory was made or speaks of
  a day in that period;
- the companion's own words weigh a little less than the user's, so with equal evidence what
  the user said comes first.
Weights were tuned on four of the six LoCoMo dev conversations; the other two are held out
(benchmarks/locomo_recall.py reports both).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Mapping, Sequence

import numpy as np

from .embedding_models import for_model

# A small k makes fusion trust the top of each ranking (RRF's usual 60 flattens it): on the
# tuning conversations k 60 -> 5 moved R@5 from 54 to 64.
RRF_K = 5
DENSE_WEIGHT = 0.7
LEXICAL_WEIGHT = 1.0
IMPORTANCE_WEIGHT = 0.1
RECENCY_WEIGHT = 0.05
RECENCY_DECAY_PER_HOUR = 0.995
PERIOD_WEIGHT = 0.5
AUTHOR_WEIGHT = {"user": 1.0, "companion": 0.75}
# "Related at all" is decided per ranking: a memory sharing a content term with the question is;
# without one, the best dense cosine must reach DENSE_RELATED. Calibrated on MiniLM with the
# indexed-text recipe: related question/memory pairs ("my dog" / a puppy, "food allergy" /
# peanuts, "any pets?" / a kitten) score 0.21-0.38, unrelated ones ("spaceships", "quantum
# physics", "the stock market" against everyday memories) at most 0.12. Per embedder: `make
# calibrate` measures it on benchmarks/data/relatedness.jsonl's dev questions that share no word
# with a memory (MiniLM: 0.2); RELATED_SIMILARITY overrides it.
DENSE_RELATED = {"all-minilm-l6-v2": 0.2}
DEFAULT_DENSE_RELATED = 0.2


def related_similarity(model_id: str, configured: float | None = None) -> float:
    """The dense cosine a question must reach with some memory, for this embedder, when it shares
    no word with any: the deployment's measured value, or the built-in one."""
    return configured if configured else for_model(DENSE_RELATED, model_id, DEFAULT_DENSE_RELATED)


def recency(hours_since_access: float) -> float:
    """Generative Agents' recency: 0.995 per hour since last access, 1.0 for a fresh memory."""
    return float(RECENCY_DECAY_PER_HOUR ** max(0.0, hours_since_access))


def weighted_rrf(rankings: Sequence[tuple[Sequence[str], float]], k: int = 60) -> dict[str, float]:
    """id -> fused score of rankings given as (ids best first, weight)."""
    fused: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, item in enumerate(ids, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def normalise(scores: Mapping[str, float]) -> dict[str, float]:
    """Min-max to [0, 1] (a single candidate, or all equal, scores 1)."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {k: (v - low) / span if span > 0 else 1.0 for k, v in scores.items()}


def memory_score(
    relevance: float,
    importance: float,
    hours_since_access: float,
    *,
    author: str = "user",
    in_period: bool = False,
) -> float:
    """The one scoring function for a recalled memory (see the module docstring)."""
    return (AUTHOR_WEIGHT.get(author, 1.0) * relevance + IMPORTANCE_WEIGHT * importance
            + RECENCY_WEIGHT * recency(hours_since_access) + PERIOD_WEIGHT * float(in_period))


@dataclass(frozen=True)
class Candidate:
    """A memory up for recall, with what ranking needs to know about it."""

    id: str
    importance: float
    last_accessed: datetime
    author: str = "user"
    days: tuple[date, ...] = ()  # the day it was made and the days it speaks of
    vector: np.ndarray | None = None


def score_candidates(
    candidates: Iterable[Candidate],
    dense: Sequence[str],
    lexical: Sequence[str],
    *,
    now: datetime,
    period=None,
    dense_weight: float | None = None,
    lexical_weight: float | None = None,
) -> dict[str, float]:
    """id -> final score for every candidate, from the two rankings (ids best first)."""
    dense_weight = DENSE_WEIGHT if dense_weight is None else dense_weight
    lexical_weight = LEXICAL_WEIGHT if lexical_weight is None else lexical_weight
    relevance = normalise(weighted_rrf([(dense, dense_weight), (lexical, lexical_weight)], RRF_K))
    out = {}
    for c in candidates:
        hours = (now - c.last_accessed).total_seconds() / 3600
        in_period = period is not None and any(period.contains(d) for d in c.days)
        out[c.id] = memory_score(relevance.get(c.id, 0.0), c.importance, hours,
                                 author=c.author, in_period=in_period)
    return out


def mmr_order(scores: np.ndarray, vectors: np.ndarray, k: int, lambda_param: float = 0.7) -> list[int]:
    """MMR over precomputed scores: each pick maximises ``λ·score − (1−λ)·max cosine to the picked``.

    ``vectors`` are L2-normalised (a zero row is a memory without a vector: never redundant)."""
    n = len(scores)
    if n == 0 or k <= 0:
        return []
    relevance = lambda_param * np.asarray(scores, dtype=np.float64)
    selected: list[int] = []
    max_sim = np.zeros(n, dtype=np.float64)  # nothing picked yet: no redundancy
    remaining = np.ones(n, dtype=bool)
    while len(selected) < min(k, n):
        value = relevance - (1 - lambda_param) * max_sim
        value[~remaining] = -np.inf
        best = int(np.argmax(value))
        selected.append(best)
        remaining[best] = False
        # Only the picked row's similarities are needed, not the whole n x n matrix.
        similarity = (vectors @ vectors[best]).astype(np.float64)
        max_sim = similarity if len(selected) == 1 else np.maximum(max_sim, similarity)
    return selected
