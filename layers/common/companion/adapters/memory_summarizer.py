"""Summaries of a cluster of memories: the fast model with the consolidation prompt, or the
extractive fallback (offline, or when the model fails or answers nothing usable)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..domain.consolidation import MAX_SUMMARY_CHARS, extractive_summary
from ..domain.prompts import CONSOLIDATION_PROMPT
from ..ports import FastModel
from .fast_model_call import ask_fast_model


class ExtractiveSummarizer:
    model = "extractive"

    def summarize(self, contents: Sequence[str], vectors: np.ndarray) -> tuple[str, str]:
        return extractive_summary(contents, vectors), self.model


class LLMSummarizer:
    def __init__(self, fast_model: FastModel, fallback: ExtractiveSummarizer | None = None):
        self._model = fast_model
        self._fallback = fallback or ExtractiveSummarizer()

    def summarize(self, contents: Sequence[str], vectors: np.ndarray) -> tuple[str, str]:
        listed = "\n".join(f"- {' '.join(c.split())[:300]}" for c in contents)
        return ask_fast_model(self._model, CONSOLIDATION_PROMPT.format(memories=listed), parse=_summary,
                              fallback=lambda: self._fallback.summarize(contents, vectors),
                              purpose="memory summary", max_tokens=160, temperature=0.2)


def _summary(answer: str) -> tuple[str, str] | None:
    text = " ".join(answer.split())
    return (text, "fast_model") if 10 <= len(text) <= MAX_SUMMARY_CHARS * 2 else None
