"""Offline importance scoring: the seed's few-shot examples used as a nearest-neighbour regressor.

The seed scores importance with an LLM prompt whose five examples calibrate the scale. Offline
we use the same examples (plus more in the same spirit) as labelled anchors: a message's score is
the similarity-weighted mean of its nearest anchors' scores, so "I got a new puppy today!" lands
near "I just got a new puppy named Max!" (0.75) by meaning, not keywords.
"""
from __future__ import annotations

import re

import numpy as np

from .appraisal import LIFE_EVENT_LEXICON, sentiment

# (text, score): the first five are IMPORTANCE_SCORING_PROMPT's examples, verbatim.
IMPORTANCE_ANCHORS: tuple[tuple[str, float], ...] = (
    ("I just got a new puppy named Max!", 0.75),
    ("What's the weather like?", 0.1),
    ("My dad passed away last month, I'm still grieving", 0.95),
    ("I prefer tea over coffee", 0.4),
    ("I just got promoted to senior engineer at Google!", 0.9),
    ("hi", 0.05),
    ("lol ok", 0.05),
    ("Good morning, how are you?", 0.1),
    ("Can you tell me a joke?", 0.1),
    ("I had pasta for lunch", 0.2),
    ("I'm watching a movie tonight", 0.25),
    ("My favourite band is Radiohead", 0.45),
    ("I'm allergic to peanuts", 0.6),
    ("My sister's name is Emma and she lives in Berlin", 0.65),
    ("I'm starting a new job next Monday", 0.8),
    ("We're getting married in June!", 0.9),
    ("I've been feeling really anxious and lonely lately", 0.85),
    ("I was diagnosed with diabetes last week", 0.9),
    ("My girlfriend broke up with me", 0.85),
    ("I'm moving to Tokyo next month", 0.8),
)

NEIGHBOURS = 3
TEMPERATURE = 0.05  # softmax temperature over cosine similarities: sharp, nearest anchors dominate


def knn_importance(query: np.ndarray, anchor_vectors: np.ndarray, anchor_scores: np.ndarray) -> float:
    """Similarity-weighted score of the ``NEIGHBOURS`` nearest anchors, in [0, 1]."""
    sims = anchor_vectors @ query
    top = np.argsort(-sims)[:NEIGHBOURS]
    weights = np.exp((sims[top] - sims[top].max()) / TEMPERATURE)
    score = float((weights * anchor_scores[top]).sum() / weights.sum())
    return max(0.0, min(1.0, score))


def parse_score(text: str) -> float | None:
    """The first number in an LLM's answer, clamped to [0, 1]; None when there is none."""
    import re

    match = re.search(r"-?\d+(?:\.\d+)?", text or "")
    if not match:
        return None
    return max(0.0, min(1.0, float(match.group())))


# First person as the subject or owner ("me" is left out: "tell me a joke" discloses nothing).
_DISCLOSURE = re.compile(r"\b(i|i'm|im|i've|i'd|i'll|my|mine|we|we're|our)\b", re.IGNORECASE)
# The parts of a life a companion should remember: people, work, health, home.
_LIFE_DOMAINS = frozenset(
    "mom dad mother father sister brother wife husband girlfriend boyfriend partner son daughter "
    "grandma grandpa friend job work boss career school university moving move doctor allergic "
    "sick pregnant baby name birthday".split()
)
_QUESTION_ONLY = re.compile(r"^\s*(what|how|when|where|who|why|can|could|would|is|are|do|does)\b.*\?\s*$", re.IGNORECASE)


def heuristic_importance(text: str) -> float:
    """The last-resort score, when neither the scoring model nor the embedder is reachable.

    It follows the prompt's criteria with what can be read off the words alone: personal
    disclosure (first person), emotional significance (valence strength, life events count via the
    appraisal lexicon), future relevance (people, work, health, home), and a small bonus for
    substance (length); a bare question to the
    companion discloses nothing. Coarser than the model; it only has to order memories sensibly
    until the nightly pass can rescore them.
    """
    words = re.findall(r"[a-z']+", text.lower())
    if not words:
        return 0.05
    score = 0.1
    if _DISCLOSURE.search(text):
        score += 0.25
    score += 0.35 * abs(sentiment(text))
    if any(word in LIFE_EVENT_LEXICON for word in words):
        score += 0.15
    if any(word.removesuffix("'s") in _LIFE_DOMAINS for word in words):
        score += 0.15
    score += min(len(words), 20) / 20 * 0.1
    if _QUESTION_ONLY.match(text) and not _DISCLOSURE.search(text):
        score = min(score, 0.15)
    return round(max(0.05, min(0.95, score)), 4)
