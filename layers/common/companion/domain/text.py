"""Text every store and model can take: what arrives from Discord is valid JSON, not always
storable text. PostgreSQL rejects NUL in text columns and a lone UTF-16 surrogate cannot be
encoded as UTF-8 (the tokenizer, the database driver and the HTTP clients all fail on it)."""
from __future__ import annotations

import re

# C0 controls except tab, newline and carriage return; and unpaired surrogates (JSON's "\ud800"
# decodes to one; a valid pair decodes to a single astral character, so any left is unpaired).
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` without characters no store can take (NUL, other control characters, lone
    surrogates)."""
    return _UNSTORABLE.sub("", text)


def is_clean(text: str) -> bool:
    return _UNSTORABLE.search(text) is None
