"""Near-duplicates: when a new statement only repeats a current memory. Pure: no I/O.

The seed's ``merge_similar_memories`` merges memories above cosine 0.9. Similarity alone is not
enough: on all-MiniLM-L6-v2 "My dad is in the hospital" / "My dad is out of the hospital" score
0.95 and "I have two cats" / "I have three cats" 0.94 (benchmarks/merge_eval.py). So a new
statement is a repeat only when it is similar above the embedder's threshold **and** it adds
nothing: every content word of it is in the older one, the same words of negation and direction
("not", "out", "never", "used to"...), the same numbers, and the contradiction judge finds no
change between them. Merging never loses a word the user said: the repeat stays in PostgreSQL,
linked to the memory it repeated, and only leaves recall.
"""
from __future__ import annotations

import re

from .contradictions import heuristic_verdict
from .embedding_models import for_model
from .lexical import terms

# Cosine of the bare statements (as the conflict check compares them) above which a new memory
# may be a repeat, per embedder; `make calibrate` measures it on benchmarks/data/duplicate_pairs.jsonl
# (the lowest threshold with no wrong merge on the dev pairs, with the guards below, and at least
# 3 in 4 pairs above it true repeats by similarity alone). Gemini keeps the seed's 0.9 until measured.
MERGE_SIMILARITY = {"all-minilm-l6-v2": 0.875, "gemini-embedding-001": 0.9, "hashing": 0.9}
DEFAULT_MERGE_SIMILARITY = 0.9  # the seed's

# Words the lexical terms drop (stop words) that change what a statement says.
_POLARITY = re.compile(r"\b(?:not|no|never|nothing|none|nobody|out|off|without|ex|former|formerly|used|anymore|"
                       r"longer|again|before|after|until|left|stopped|quit|n't|nt|dont|didnt|cant|wont|isnt|"
                       r"wasnt|arent|werent|havent|hasnt|hadnt|doesnt|wouldnt|couldnt|shouldnt|over|under|"
                       r"above|below|less|more|most|least|only|first|last|next|then|than)\b")
# Words of degree and filler a repeat may add or drop ("I really love coffee" repeats "I love coffee").
_FILLER_TERMS = frozenset(terms("really so very much totally absolutely truly honestly just still always "
                                "definitely seriously literally kinda super lots"))


def merge_similarity(model_id: str, configured: float | None = None) -> float:
    """The threshold for this embedder: the deployment's measured value (MERGE_SIMILARITY in the
    environment, printed by `make calibrate`) or the built-in one."""
    return configured if configured else for_model(MERGE_SIMILARITY, model_id, DEFAULT_MERGE_SIMILARITY)


def _polarity_words(text: str) -> set[str]:
    return set(_POLARITY.findall(text.lower().replace("\u2019", "'").replace("n't", " n't")))


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:[.,]\d+)?", text))


def adds_nothing(old: str, new: str) -> bool:
    """Whether ``new`` says nothing ``old`` does not: no content word of its own, the same words of
    negation and direction, the same numbers, no change the contradiction judge reads."""
    new_terms = set(terms(new)) - _FILLER_TERMS
    if new_terms - set(terms(old)):
        return False
    if _polarity_words(old) != _polarity_words(new) or _numbers(old) != _numbers(new):
        return False
    return not heuristic_verdict(old, new).has_conflict


def is_repeat(old: str, new: str, similarity: float, threshold: float) -> bool:
    """A new statement is merged into an older one when it is this similar and adds nothing."""
    return similarity >= threshold and adds_nothing(old, new)
