"""In-process circuit breakers around the providers a turn depends on.

A provider that hangs costs every turn its full timeout; one that is down costs every turn a
failed call. A breaker remembers: after ``failure_threshold`` consecutive failures it opens and
calls fail at once (ProviderError) for ``open_seconds``, so turns take their degraded path
immediately (full-text recall, the apology, a retried delivery); then one trial call is let
through, and its success closes the breaker. Each change (open, half-open, closed) is reported to
``on_change(name, state)``: the container sends it to the operators' metrics. State is per container (one Lambda container
serves one event at a time), so an outage is rediscovered by each new container with one call.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..domain.deadline import DeadlineExceeded, call_timeout
from ..ports import DMsClosed, InteractionExpired, ProviderError

log = logging.getLogger(__name__)


class CircuitOpen(ProviderError):
    """The breaker is open: the provider failed repeatedly just now and is not called."""


@dataclass
class CircuitBreaker:
    name: str
    failure_threshold: int = 2
    open_seconds: float = 20.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = None
    on_change: Callable[[str, str], None] | None = field(default=None, repr=False)

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.open_seconds else "open"

    def call(self, fn: Callable[..., Any], *args, **kwargs) -> Any:
        state = self.state
        if state == "open":
            raise CircuitOpen(f"{self.name} is unavailable (circuit open after {self.failures} failures)")
        if state == "half-open":
            self._notify("half-open")  # one trial call goes through; its outcome opens or closes
        try:
            call_timeout(1.0)  # raises DeadlineExceeded when the turn has no time left for a call
            result = fn(*args, **kwargs)
        except (InteractionExpired, DMsClosed, ValueError):
            raise  # the caller's problem (or the user's choice), not the provider's health
        except DeadlineExceeded as error:  # the turn ran out of time before calling
            raise ProviderError(f"{self.name} not called: {error}") from error
        except Exception as error:
            self._failed(state)
            if isinstance(error, ProviderError) or not _is_outage(error):
                raise  # a bug in our own code stays visible (it fails the turn, which is retried)
            raise ProviderError(f"{self.name} failed: {type(error).__name__}: {error}") from error
        if self.opened_at is not None or self.failures:
            self._succeeded()
        return result

    def _failed(self, state: str) -> None:
        self.failures += 1
        if state == "half-open" or self.failures >= self.failure_threshold:
            if self.opened_at is None or state == "half-open":  # opened, or the trial call failed
                log.warning("circuit for %s opened after %d failures", self.name, self.failures)
                self._notify("open")
            self.opened_at = self.clock()

    def _succeeded(self) -> None:
        if self.opened_at is not None:
            log.info("circuit for %s closed", self.name)
            self._notify("closed")
        self.failures, self.opened_at = 0, None

    def _notify(self, state: str) -> None:
        if self.on_change is not None:
            self.on_change(self.name, state)


# Errors that mean "the dependency is down or slow" (SDKs raise their own types for those).
_OUTAGE_MODULES = ("httpx", "httpcore", "qdrant_client", "grpc", "redis", "openai", "groq", "google",
                   "onnxruntime", "tokenizers", "psycopg", "urllib3", "botocore")


def _is_outage(error: Exception) -> bool:
    if isinstance(error, (TimeoutError, ConnectionError, OSError)):
        return True
    return any(type(e).__module__.split(".")[0] in _OUTAGE_MODULES for e in type(error).__mro__)


class _Guarded:
    """Forwards attributes (model_id, dim, ...) to the wrapped adapter."""

    def __init__(self, inner: Any, breaker: CircuitBreaker):
        self.inner = inner
        self.breaker = breaker

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class GuardedReplyModel(_Guarded):
    def reply(self, context):
        return self.breaker.call(self.inner.reply, context)


class GuardedFastModel(_Guarded):
    def complete(self, prompt: str, **kwargs) -> str:
        return self.breaker.call(self.inner.complete, prompt, **kwargs)


class GuardedEmbedder(_Guarded):
    """Also turns an embedding engine's own errors (the ONNX runtime, the tokenizer) into a
    ProviderError: the turn then recalls by words and embeds the memory later."""

    def embed(self, texts: Sequence[str], kind: str = "document"):
        return self.breaker.call(self.inner.embed, texts, kind=kind)


class GuardedVectorStore(_Guarded):
    def ensure_collection(self, model_id: str, dim: int) -> None:
        return self.breaker.call(self.inner.ensure_collection, model_id, dim)

    def upsert(self, model_id, user_id, points) -> None:
        return self.breaker.call(self.inner.upsert, model_id, user_id, points)

    def search(self, model_id, user_id, vector, limit, min_score=0.0):
        return self.breaker.call(self.inner.search, model_id, user_id, vector, limit, min_score)

    def rankings(self, model_id, user_id, vector, terms, limit):
        return self.breaker.call(self.inner.rankings, model_id, user_id, vector, terms, limit)


class GuardedReplyChannel(_Guarded):
    def edit_original(self, *args, **kwargs) -> None:
        return self.breaker.call(self.inner.edit_original, *args, **kwargs)

    def edit_original_with_file(self, *args, **kwargs) -> None:
        return self.breaker.call(self.inner.edit_original_with_file, *args, **kwargs)

    def edit_original_with_buttons(self, *args, **kwargs) -> None:
        return self.breaker.call(self.inner.edit_original_with_buttons, *args, **kwargs)



class GuardedDiscordBot(_Guarded):
    """The bot's own calls (proactive messages: open the DM channel, post). A user whose DMs are
    closed is their choice, not Discord's health: it never counts towards opening the breaker."""

    def open_dm(self, *args, **kwargs) -> str:
        return self.breaker.call(self.inner.open_dm, *args, **kwargs)

    def create_message(self, *args, **kwargs) -> str:
        return self.breaker.call(self.inner.create_message, *args, **kwargs)
