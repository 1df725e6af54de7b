"""The local screen's learned stage: a linear model over hashed word and character n-grams.

Hand patterns (domain/injection_features.py) catch the families someone thought of; each fresh
batch of attacks scored 35-73% before its patterns were written. This model generalises from
phrasing instead: logistic regression over the *normalised* text (domain/injection.normalise, so
homoglyphs, zero-width characters and chat shorthand are already folded), trained by
tools/train_injection_classifier.py on attack corpora and on benign chat, including messages
addressed to a companion that mention instructions, rules, pretending and forgetting.

Features, all hashed into one table of ``2**bits`` weights (the hashing trick: no vocabulary to
ship, unseen n-grams cost nothing):
- character 2- to 5-grams of the text padded with a space (spelling variants, word pieces);
- word unigrams and bigrams (phrasing).
Each family's counts are log-scaled, then the whole vector is L2-normalised, so a long message is
not an attack by length alone. Long messages are screened on their head and tail (where
instructions sit), which bounds the time per message.

Pure and deterministic: numpy only, no I/O (the weights are given by the caller; see
adapters/injection_classifier.py), hashes independent of PYTHONHASHSEED.
"""
from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass

import numpy as np

CHAR_NGRAMS = (2, 3, 4, 5)
HEAD_CHARS, TAIL_CHARS = 1500, 500  # a longer message is screened on its first and last characters
_WORD = re.compile(r"[^\W_]+|[^\w\s]")
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: multiply, keep the top bits
_BASE = np.uint64(1_000_003)
_SALT_WORD, _SALT_BIGRAM = np.uint64(0x5BD1E995), np.uint64(0xC2B2AE35)


def _top_bits(hashes: np.ndarray, bits: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        return ((hashes * _MULTIPLIER) >> np.uint64(64 - bits)).astype(np.int64)


def _char_hashes(text: str, n: int) -> np.ndarray:
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - n + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    hashes = np.full(count, n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            hashes = hashes * _BASE + codes[k:k + count]
    return hashes


def _word_hashes(text: str) -> tuple[np.ndarray, np.ndarray]:
    words = np.array([zlib.crc32(w.encode()) for w in _WORD.findall(text)], dtype=np.uint64)
    with np.errstate(over="ignore"):
        unigrams = words ^ _SALT_WORD
        bigrams = (words[:-1] * _BASE + words[1:]) ^ _SALT_BIGRAM if len(words) > 1 else np.empty(0, np.uint64)
    return unigrams, bigrams


def clip(text: str) -> str:
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + " " + text[-TAIL_CHARS:]


def featurise(normalised: str, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Sparse feature vector of already-normalised text: (indices, values), L2-normalised."""
    text = clip(normalised)
    padded = f" {text} "
    families = [_char_hashes(padded, n) for n in CHAR_NGRAMS] + list(_word_hashes(text))
    indices, values = [], []
    for hashes in families:
        if len(hashes) == 0:
            continue
        unique, counts = np.unique(_top_bits(hashes, bits), return_counts=True)
        indices.append(unique)
        values.append(np.log1p(counts.astype(np.float64)))
    if not indices:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    index, value = np.concatenate(indices), np.concatenate(values)
    norm = math.sqrt(float(value @ value))
    return index, value / norm


@dataclass(frozen=True)
class HashedNgramClassifier:
    """P(attack) = logistic(weights . features + intercept). ``threshold`` is the logit at which the
    local screen flags on this model alone (chosen on out-of-fold scores at training time)."""

    weights: np.ndarray  # float, length 2**bits
    intercept: float
    bits: int
    threshold: float

    def logit(self, normalised: str) -> float:
        index, value = featurise(normalised, self.bits)
        return float(self.weights[index].astype(np.float64) @ value) + self.intercept
