"""How a memory is written for retrieval (the user-visible content is never changed).

Measured on LoCoMo (../shared/benchmarks/README.md): who said it, when, and what an attached
image shows move recall by 10+ points, so every memory is indexed as

    [8 May 2023] Caroline: I went to the support group yesterday (7 May 2023). [image: ...]

with relative time words resolved against the message's own time. The conversational context
(the message before, e.g. "I got a new puppy!" before "His name is Sparky") joins the text that is
embedded, so the meaning carries over. The recipe is versioned: when it or the embedding model
changes, ``MemoryService.reindex`` rebuilds every memory's indexed text, terms and vector from the
stored content.
"""
from __future__ import annotations

from datetime import datetime

from .dates import format_day, resolve_relative
from .lexical import terms

RECIPE_VERSION = 1
COMPANION = "companion"
USER = "user"


def indexed_text(content: str, *, author_name: str, when: datetime, caption: str | None = None) -> str:
    """The text a memory is searched by: date, speaker, content with absolute dates, image."""
    text = f"[{format_day(when.date())}] {author_name or 'someone'}: {resolve_relative(content, when)}"
    if caption:
        text += f" [image: {caption}]"
    return text


def embedding_text(indexed: str, context: str | None = None) -> str:
    """What the embedder sees: the indexed text, after the message it answered when there is one."""
    return f"{context}\n{indexed}" if context else indexed


def lexical_terms(indexed: str) -> str:
    """The indexed text's stemmed content terms, space-separated (stored; both engines index them)."""
    return " ".join(terms(indexed))
