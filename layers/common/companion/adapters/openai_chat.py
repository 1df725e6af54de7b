"""The reply model: any OpenAI-compatible chat completions API through the ``openai`` SDK.

Chutes in production by default; any server that speaks ``POST {base}/chat/completions`` works
the same way (Ollama, LM Studio, vLLM, llama.cpp's server: README, "Any model backend"). A local
server usually needs no key: the SDK is then given a placeholder, which such servers ignore.

The primary model is tried first; when it fails (after the SDK's own retries) or answers with
nothing, the fallback model gets the same messages and the reply is marked ``fallback_used`` so
the interaction row and the LLMFallbacks metric record it. Both failing is a ProviderError: the
turn service then apologises instead of leaving the deferred reply spinning.

Every call's timeout comes from the turn's deadline (``call_timeout``); with a fallback model the
primary gets at most ``PRIMARY_SHARE`` of what is left, so a hanging primary still leaves the
fallback time to answer. Under a deadline the SDK does not retry on its own: the fallback is the
retry. The API key is live (``LiveKey``): re-read on the secret cache's age, and at once after a
401, so a rotated or refilled key reaches a warm container without a redeploy.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Callable

from ..config import DEFAULT_REPLY_BASE_URL
from ..domain.deadline import DeadlineExceeded, call_timeout, current
from ..domain.models import Reply, ReplyContext
from ..ports import ProviderError
from .live_key import LiveKey

log = logging.getLogger(__name__)

NO_KEY = "no-key"  # sent as the bearer token to a server that asks for none (the SDK needs one)
PRIMARY_SHARE = 0.6  # of the time left, when a fallback model waits behind the primary
# Some open models think out loud between these tags; the user never sees that part.
_THINKING = re.compile(r"<think>.*?</think>\s*", re.DOTALL)


class OpenAIChatReplyModel:
    def __init__(
        self,
        *,
        api_key: str,
        primary_model: str,
        fallback_model: str | None = None,
        base_url: str = DEFAULT_REPLY_BASE_URL,
        timeout: float = 20.0,
        max_retries: int = 1,
        temperature: float = 0.8,
        max_tokens: int = 600,
        http_client: Any = None,
        api_key_source: Callable[..., str] | None = None,
    ):
        from openai import OpenAI

        # The worker has 60 s per batch of up to 10 turns' worth of work; two models with one
        # retry each must fit well inside that, hence the short timeout.
        api_key = api_key or NO_KEY
        self.base_url = base_url
        client = OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries,
            http_client=http_client,
        )
        self._key = LiveKey(api_key, lambda key: client.with_options(api_key=key),
                            source=api_key_source, name="reply model")
        self.primary_model = primary_model
        self.fallback_model = fallback_model if fallback_model and fallback_model != primary_model else None
        self._temperature = temperature
        self._max_tokens = max_tokens
        self._timeout = timeout

    def reply(self, context: ReplyContext) -> Reply:
        import openai

        failures: list[str] = []
        candidates = [(self.primary_model, False)]
        if self.fallback_model:
            candidates.append((self.fallback_model, True))
        for model, is_fallback in candidates:
            share = PRIMARY_SHARE if len(candidates) > 1 and not is_fallback else 1.0
            try:
                response = self._key.call(lambda client: self._complete(client, model, context, share=share),
                                          refused=lambda error: isinstance(error, openai.AuthenticationError))
            except DeadlineExceeded as error:
                failures.append(f"{model}: {error}")
                break
            except (openai.OpenAIError, ValueError) as error:  # ValueError: a 200 whose body is not JSON
                failures.append(f"{model}: {type(error).__name__}: {error}")
                log.warning("reply model %s failed: %s", model, error)
                continue
            text = _reply_text(response)
            if not text:
                failures.append(f"{model}: empty reply")
                log.warning("reply model %s returned an empty reply", model)
                continue
            usage = getattr(response, "usage", None)
            return Reply(
                text=text,
                model=model,
                token_count=getattr(usage, "total_tokens", None),
                fallback_used=is_fallback,
            )
        raise ProviderError("no reply model answered: " + "; ".join(failures))

    def _complete(self, client, model: str, context: ReplyContext, *, share: float):
        if current() is not None:
            timeout = call_timeout(self._timeout) * share
            client = client.with_options(timeout=timeout, max_retries=0)
        return client.chat.completions.create(
            model=model, messages=context.messages,
            temperature=self._temperature, max_tokens=self._max_tokens,
        )


def _reply_text(response: Any) -> str:
    if not getattr(response, "choices", None):
        return ""
    content = response.choices[0].message.content or ""
    return _THINKING.sub("", content).strip()
