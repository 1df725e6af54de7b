"""Importance scoring with the fast LLM and the seed's few-shot prompt, falling back to the
offline scorer (similarity to the same labelled examples) when the model fails or answers with
something that is not a number."""
from __future__ import annotations

import json
from typing import Any

from ..domain.importance import parse_score
from ..domain.prompts import IMPORTANCE_SCORING_PROMPT
from ..ports import FastModel, ImportanceScorer
from .fast_model_call import ask_fast_model

MAX_SCORED_CHARS = 2000  # the score is about what the message is; its first 2000 chars decide it


class LLMImportanceScorer:
    def __init__(self, fast_model: FastModel, fallback: ImportanceScorer):
        self._model = fast_model
        self._fallback = fallback

    def score(self, content: str, context: dict[str, Any]) -> float:
        prompt = IMPORTANCE_SCORING_PROMPT.format(
            # The message sits inside double quotes in the prompt; keep it from closing them.
            message_content=content[:MAX_SCORED_CHARS].replace('"', "'"),
            context=json.dumps(context, default=str, ensure_ascii=False),
        )
        return ask_fast_model(self._model, prompt, parse=parse_score,
                              fallback=lambda: self._fallback.score(content, context),
                              purpose="importance", max_tokens=10, temperature=0.1)
