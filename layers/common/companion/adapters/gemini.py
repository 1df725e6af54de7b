"""Gemini embeddings (``gemini-embedding-001``) through the maintained ``google-genai`` SDK.

Documents and queries are embedded with their own task types (retrieval is asymmetric). Below
its native 3072 dimensions the model's output is not normalised, so rows are L2-normalised here:
the vector index compares by cosine and MMR by dot product. The API key is live (``LiveKey``:
re-read on the secret cache's age, and at once when Google refuses it).
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

import httpx
import numpy as np
from google.genai import errors

from ..domain.deadline import DeadlineExceeded, call_timeout, current
from ..ports import ProviderError
from .live_key import LiveKey

log = logging.getLogger(__name__)

BATCH = 100  # the API's limit on requests in one batchEmbedContents call
TASK_TYPES = {"document": "RETRIEVAL_DOCUMENT", "query": "RETRIEVAL_QUERY"}


class GeminiEmbedder:
    def __init__(self, *, api_key: str, model: str = "gemini-embedding-001", dim: int = 1536,
                 timeout_ms: int = 10_000, http_client: Any = None, api_key_source: Callable[..., str] | None = None):
        from google import genai
        from google.genai import types

        options = types.HttpOptions(timeout=timeout_ms, httpx_client=http_client)
        self._key = LiveKey(api_key, lambda key: genai.Client(api_key=key, http_options=options),
                            source=api_key_source, name="Gemini")
        self._types = types
        self._timeout_ms = timeout_ms
        self.model = model
        self.dim = int(dim)
        # The dimension is part of the id: a 768-d and a 1536-d vector are different spaces.
        self.model_id = f"{model}-{self.dim}"

    def embed(self, texts: Sequence[str], kind: str = "document") -> np.ndarray:
        if kind not in TASK_TYPES:
            raise ValueError(f"kind must be one of {sorted(TASK_TYPES)}, not {kind!r}")
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = []
        for start in range(0, len(texts), BATCH):
            rows.extend(self._embed_batch(list(texts[start : start + BATCH]), TASK_TYPES[kind]))
        matrix = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        if (norms == 0).any():
            raise ProviderError("Gemini returned an all-zero embedding")
        return matrix / norms

    def _embed_batch(self, texts: list[str], task_type: str) -> list[list[float]]:
        config = self._types.EmbedContentConfig(task_type=task_type, output_dimensionality=self.dim)
        if current() is not None:  # bounded by the turn's deadline
            try:
                timeout_ms = int(call_timeout(self._timeout_ms / 1000) * 1000)
            except DeadlineExceeded as error:
                raise ProviderError(f"Gemini embeddings not called: {error}") from error
            config.http_options = self._types.HttpOptions(timeout=timeout_ms)
        try:
            result = self._key.call(
                lambda client: client.models.embed_content(model=self.model, contents=texts, config=config),
                refused=_key_refused)
        except errors.APIError as error:
            raise ProviderError(f"Gemini embeddings failed: {error.code} {error.status}: {error.message}") from error
        except httpx.HTTPError as error:  # timeouts and refused connections are not APIErrors
            raise ProviderError(f"Gemini embeddings unreachable: {type(error).__name__}: {error}") from error
        embeddings = result.embeddings or []
        if len(embeddings) != len(texts):
            raise ProviderError(f"Gemini returned {len(embeddings)} embeddings for {len(texts)} texts")
        vectors = [e.values or [] for e in embeddings]
        if any(len(v) != self.dim for v in vectors):
            raise ProviderError(f"Gemini returned vectors that are not {self.dim}-dimensional")
        return vectors


def _key_refused(error: BaseException) -> bool:
    """Google answers a revoked or unknown key with 401/403, or 400 API_KEY_INVALID."""
    if not isinstance(error, errors.APIError):
        return False
    return error.code in (401, 403) or "API_KEY_INVALID" in str(error) or "API key not valid" in str(error)
