"""Judges of contradictions: the fast model with the seed's conflict types, falling back to the
heuristic when the model fails or answers with something that is not a verdict."""
from __future__ import annotations

import logging

from ..domain.conflicts import Verdict, clarification_answer, heuristic_verdict, parse_model_verdict
from ..domain.prompts import CLARIFICATION_ANSWER_PROMPT, MEMORY_CONFLICT_PROMPT
from ..ports import FastModel, ProviderError

log = logging.getLogger(__name__)
MAX_STATEMENT_CHARS = 500
ANSWERS = ("new", "old", "both", "unclear")


def _quoted(text: str) -> str:
    return text[:MAX_STATEMENT_CHARS].replace('"', "'")


class HeuristicConflictJudge:
    def judge(self, old: str, new: str) -> Verdict:
        return heuristic_verdict(old, new)

    def answer(self, old: str, new: str, message: str) -> str:
        return clarification_answer(old, new, message)


class LLMConflictJudge:
    def __init__(self, fast_model: FastModel, fallback: HeuristicConflictJudge | None = None):
        self._model = fast_model
        self._fallback = fallback or HeuristicConflictJudge()

    def judge(self, old: str, new: str) -> Verdict:
        prompt = MEMORY_CONFLICT_PROMPT.format(old=_quoted(old), new=_quoted(new))
        try:
            answer = self._model.complete(prompt, max_tokens=120, temperature=0.0)
        except ProviderError as error:
            log.warning("conflict model failed, judging heuristically: %s", error)
            return self._fallback.judge(old, new)
        verdict = parse_model_verdict(answer)
        if verdict is None:
            log.warning("conflict model answered %r, judging heuristically", answer[:60])
            return self._fallback.judge(old, new)
        return verdict

    def answer(self, old: str, new: str, message: str) -> str:
        prompt = CLARIFICATION_ANSWER_PROMPT.format(old=_quoted(old), new=_quoted(new), answer=_quoted(message))
        try:
            word = self._model.complete(prompt, max_tokens=3, temperature=0.0).strip().lower().strip(".!\"'")
        except ProviderError as error:
            log.warning("clarification model failed, reading the answer heuristically: %s", error)
            return self._fallback.answer(old, new, message)
        return word if word in ANSWERS else self._fallback.answer(old, new, message)
