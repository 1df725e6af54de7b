"""Lexical terms for recall: one tokenizer for what is indexed and what is asked.

Words are lower-cased, English stop words and question words dropped (they are not content:
"when did she go" carries only "go"), and stemmed with the Snowball English stemmer (PyStemmer),
so "painting", "paints" and "painted" meet. Both lexical engines index exactly these terms:
Qdrant as a sparse vector whose weights are BM25's term-frequency part (Qdrant's ``Modifier.IDF``
adds the inverse document frequency at query time), PostgreSQL as postings with the same weight
(migration 032's memory_term_weight) and per-user document counts. The two rankings are
therefore the same function.
"""
from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from functools import lru_cache

import Stemmer

# BM25 (Robertson & Zaragoza): k1 saturates repeated terms, b normalises by length. Chat turns
# are short; AVERAGE_TERMS is the mean number of terms of an indexed memory (measured on LoCoMo).
BM25_K1 = 1.2
BM25_B = 0.75
AVERAGE_TERMS = 14.0

STOP_WORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
don't down during each else ever few for from further get got had hadn't has hasn't have haven't
having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm
i've if in into is isn't it it's its itself just let's like me more most much must mustn't my
myself no nor not now of off on once only or other ought our ours ourselves out over own really
same shan't she she'd she'll she's should shouldn't so some such than that that's the their
theirs them themselves then there there's these they they'd they'll they're they've this those
through to too under until up very was wasn't we we'd we'll we're we've were weren't what what's
when when's where where's which while who who's whom whose why why's will with won't would
wouldn't you you'd you'll you're you've your yours yourself yourselves
yes yeah oh ok okay hey hi hello wow lol um uh
kind sort thing things lot lots pretty quite maybe actually definitely totally
""".split())

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def terms(text: str) -> list[str]:
    """The content terms of ``text``, in order, stemmed (repeats kept: they are term frequency)."""
    out = []
    for token in _TOKEN.findall(text.lower().replace("\u2019", "'")):
        if token in STOP_WORDS:
            continue
        token = token.split("'", 1)[0]  # "caroline's" -> "caroline"
        if len(token) < 2 and not token.isdigit():
            continue
        out.append(_stem(token))
    return out


def term_index(term: str) -> int:
    """A stable sparse-vector dimension for a term (CRC-32, 31 bits: no vocabulary to keep)."""
    return zlib.crc32(term.encode()) & 0x7FFFFFFF


def bm25_tf(tf: float, length: float) -> float:
    """BM25's term-frequency component for a term seen ``tf`` times in a memory of ``length`` terms."""
    return tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * length / AVERAGE_TERMS))


def bm25_idf(documents: int, containing: int) -> float:
    """BM25's inverse document frequency, the formula Qdrant's ``Modifier.IDF`` uses."""
    return math.log(1 + (documents - containing + 0.5) / (containing + 0.5))


def document_weights(term_list: list[str]) -> dict[str, float]:
    """term -> BM25 tf weight of one indexed memory (what the sparse vector stores)."""
    counts = Counter(term_list)
    length = float(len(counts))  # distinct terms, as PostgreSQL's length(tsvector) counts
    return {t: bm25_tf(c, length) for t, c in counts.items()}


def query_weights(term_list: list[str]) -> dict[str, float]:
    """term -> weight of a query: each distinct term once (IDF does the rest)."""
    return {t: 1.0 for t in dict.fromkeys(term_list)}


def sparse(weights: dict[str, float]) -> tuple[list[int], list[float]]:
    """(indices, values) of a sparse vector, indices ascending and unique."""
    merged: dict[int, float] = {}
    for term, weight in weights.items():
        index = term_index(term)
        merged[index] = merged.get(index, 0.0) + weight
    indices = sorted(merged)
    return indices, [merged[i] for i in indices]
