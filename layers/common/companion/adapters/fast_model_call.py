"""The one shape of every small question to the fast model (Groq): complete the prompt, parse the
answer, and fall back to the offline logic when the model fails (ProviderError: down, slow, its
breaker open, no time left) or answers with something that does not parse. Used by the importance
scorer, the conflict judge, the quirk detector, the memory summarizer and the injection screen."""
from __future__ import annotations

import logging
from typing import Callable, TypeVar

from ..ports import FastModel, ProviderError

log = logging.getLogger(__name__)
T = TypeVar("T")


def ask_fast_model(model: FastModel, prompt: str, *, parse: Callable[[str], T | None], fallback: Callable[[], T],
                   purpose: str, max_tokens: int, temperature: float) -> T:
    """``parse(answer)`` of the model's answer; ``fallback()`` when the call fails or ``parse``
    returns None. ``purpose`` names the question in the warning logged on a fallback."""
    try:
        answer = model.complete(prompt, max_tokens=max_tokens, temperature=temperature)
    except ProviderError as error:
        log.warning("%s: the fast model failed, falling back: %s", purpose, error)
        return fallback()
    parsed = parse(answer)
    if parsed is None:
        log.warning("%s: the fast model answered %r, falling back", purpose, answer[:60])
        return fallback()
    return parsed
