"""The fast model (Groq) used for scoring: one short completion, low temperature."""
from __future__ import annotations

import logging
from typing import Any

from ..ports import ProviderError

log = logging.getLogger(__name__)


class GroqFastModel:
    def __init__(self, *, api_key: str, model: str, timeout: float = 5.0, max_retries: int = 1, http_client: Any = None):
        from groq import Groq

        # Scoring sits on the turn's critical path and has an offline fallback, so fail fast.
        self._client = Groq(api_key=api_key, timeout=timeout, max_retries=max_retries, http_client=http_client)
        self.model = model

    def complete(self, prompt: str, *, max_tokens: int = 10, temperature: float = 0.1) -> str:
        import groq

        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": prompt}],
                max_tokens=max_tokens,
                temperature=temperature,
            )
        except groq.GroqError as error:
            raise ProviderError(f"fast model {self.model} failed: {type(error).__name__}: {error}") from error
        if not response.choices:
            raise ProviderError(f"fast model {self.model} returned no choices")
        return (response.choices[0].message.content or "").strip()
