"""Consolidation's pure parts: clustering related episodic memories, an extractive summary when
no model can write one, and the consolidated importance. No I/O.

The seed clusters greedily around a first memory at cosine >= 0.7 and needs >= 3 memories per
cluster; its consolidated importance is the cluster's mean x 1.2, capped at 1. The greedy pass
here starts from the memory with the most neighbours (so the anchor is central, not whichever
came first), and the threshold is per embedder: on all-MiniLM-L6-v2 five messages about one new
job score 0.26-0.54 with each other and unrelated chat <= 0.26, so the seed's 0.7 would never
consolidate anything (benchmarks/consolidation_eval.py measures it).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .embedding_models import for_model

MIN_CLUSTER_SIZE = 3
IMPORTANCE_BOOST = 1.2
# `make calibrate` measures it (best pairwise F1 on benchmarks/data/consolidation_topics.jsonl):
# MiniLM 0.375; Gemini keeps the seed's 0.7 until measured with a key.
CLUSTER_SIMILARITY = {"all-minilm-l6-v2": 0.375, "gemini-embedding-001": 0.7, "hashing": 0.3}
DEFAULT_CLUSTER_SIMILARITY = 0.7  # the seed's
MAX_SUMMARY_CHARS = 600


def cluster_similarity(model_id: str, configured: float | None = None) -> float:
    """The deployment's measured value (CONSOLIDATION_SIMILARITY, from `make calibrate`), or the
    built-in one for this embedder."""
    return configured if configured else for_model(CLUSTER_SIMILARITY, model_id, DEFAULT_CLUSTER_SIMILARITY)


def cluster(vectors: np.ndarray, threshold: float, min_size: int = MIN_CLUSTER_SIZE) -> list[list[int]]:
    """Groups of row indices (each >= min_size) whose members are all within ``threshold`` of
    the group's anchor; anchors are taken densest first. ``vectors`` rows are L2-normalised."""
    n = len(vectors)
    if n < min_size:
        return []
    similarity = vectors @ vectors.T
    near = similarity >= threshold
    unassigned = set(range(n))
    groups = []
    for anchor in sorted(range(n), key=lambda i: (-int(near[i].sum()), i)):
        if anchor not in unassigned:
            continue
        members = [j for j in range(n) if j in unassigned and near[anchor, j]]
        if len(members) >= min_size:
            groups.append(sorted(members))
            unassigned -= set(members)
    return groups


def consolidated_importance(importances: Sequence[float]) -> float:
    return round(min(1.0, (sum(importances) / len(importances)) * IMPORTANCE_BOOST), 4)


def extractive_summary(contents: Sequence[str], vectors: np.ndarray) -> str:
    """The offline stand-in for a model's summary: the cluster's statements, most central first
    (similarity to the cluster's mean), as many as fit, each said once."""
    centre = vectors.mean(axis=0)
    order = np.argsort(-(vectors @ centre), kind="stable")
    picked, seen, length = [], set(), 0
    for i in order:
        text = " ".join(contents[i].split()).rstrip(".!?")
        if text.lower() in seen or length + len(text) > MAX_SUMMARY_CHARS:
            continue
        picked.append(text)
        seen.add(text.lower())
        length += len(text) + 2
    return "What they told me over several conversations: " + "; ".join(picked) + "."
