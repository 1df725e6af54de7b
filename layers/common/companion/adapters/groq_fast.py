"""The fast model (Groq) used for scoring: one short completion, low temperature."""
from __future__ import annotations

import logging
from typing import Any, Callable

from ..domain.deadline import DeadlineExceeded, call_timeout, current
from ..ports import ProviderError

log = logging.getLogger(__name__)


class GroqFastModel:
    def __init__(self, *, api_key: str, model: str, timeout: float = 5.0, max_retries: int = 1, http_client: Any = None,
                 api_key_source: Callable[..., str] | None = None):
        from groq import Groq

        # Scoring sits on the turn's critical path and has an offline fallback, so fail fast.
        self._client = Groq(api_key=api_key, timeout=timeout, max_retries=max_retries, http_client=http_client)
        self.model = model
        self._timeout = timeout
        self._api_key = api_key
        self._api_key_source = api_key_source  # re-read after a 401 (a rotated or refilled key)

    def complete(self, prompt: str, *, max_tokens: int = 10, temperature: float = 0.1) -> str:
        import groq

        def create():
            client = self._client
            if current() is not None:  # bounded by the turn's deadline; no SDK retries past it
                client = client.with_options(timeout=call_timeout(self._timeout), max_retries=0)
            return client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": prompt}],
                max_tokens=max_tokens,
                temperature=temperature,
            )

        try:
            try:
                response = create()
            except groq.AuthenticationError:
                fresh = self._api_key_source(fresh=True) if self._api_key_source else self._api_key
                if not fresh or fresh == self._api_key:
                    raise
                self._api_key, self._client = fresh, self._client.with_options(api_key=fresh)
                response = create()
        except DeadlineExceeded as error:
            raise ProviderError(f"fast model {self.model} not called: {error}") from error
        except groq.GroqError as error:
            raise ProviderError(f"fast model {self.model} failed: {type(error).__name__}: {error}") from error
        if not response.choices:
            raise ProviderError(f"fast model {self.model} returned no choices")
        return (response.choices[0].message.content or "").strip()
