"""Feature hashing of words and word pairs: the embedder of last resort.

It has no semantics beyond shared words (2/10 on a paraphrase check where MiniLM gets 10/10), so
wiring only picks it when neither Gemini nor the ONNX model is available, and logs a warning.
Its vectors carry their own model id and are never compared with another model's.
"""
from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np

_WORD = re.compile(r"[a-z0-9']+")


class HashingEmbedder:
    def __init__(self, dim: int = 512):
        self.dim = dim
        self.model_id = f"hashing-v1-{dim}"

    def embed(self, texts: Sequence[str], kind: str = "document") -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            for feature in words + [f"{a} {b}" for a, b in zip(words, words[1:])]:
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                index = int.from_bytes(digest[:4], "little") % self.dim
                out[row, index] += 1.0 if digest[4] & 1 else -1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out
