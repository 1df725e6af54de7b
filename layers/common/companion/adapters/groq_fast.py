"""The fast model (Groq) used for scoring: one short completion, low temperature. Its API key is
live (``LiveKey``: re-read on the secret cache's age and after a 401)."""
from __future__ import annotations

import logging
from typing import Any, Callable

from ..domain.deadline import DeadlineExceeded, call_timeout, current
from ..ports import ProviderError
from .live_key import LiveKey

log = logging.getLogger(__name__)


class GroqFastModel:
    def __init__(self, *, api_key: str, model: str, timeout: float = 5.0, max_retries: int = 1, http_client: Any = None,
                 api_key_source: Callable[..., str] | None = None):
        from groq import Groq

        # Scoring sits on the turn's critical path and has an offline fallback, so fail fast.
        client = Groq(api_key=api_key, timeout=timeout, max_retries=max_retries, http_client=http_client)
        self._key = LiveKey(api_key, lambda key: client.with_options(api_key=key),
                            source=api_key_source, name="fast model")
        self.model = model
        self._timeout = timeout

    def complete(self, prompt: str, *, max_tokens: int = 10, temperature: float = 0.1) -> str:
        import groq

        def create(client):
            if current() is not None:  # bounded by the turn's deadline; no SDK retries past it
                client = client.with_options(timeout=call_timeout(self._timeout), max_retries=0)
            return client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": prompt}],
                max_tokens=max_tokens,
                temperature=temperature,
            )

        try:
            response = self._key.call(create, refused=lambda error: isinstance(error, groq.AuthenticationError))
        except DeadlineExceeded as error:
            raise ProviderError(f"fast model {self.model} not called: {error}") from error
        except groq.GroqError as error:
            raise ProviderError(f"fast model {self.model} failed: {type(error).__name__}: {error}") from error
        if not response.choices:
            raise ProviderError(f"fast model {self.model} returned no choices")
        return (response.choices[0].message.content or "").strip()
