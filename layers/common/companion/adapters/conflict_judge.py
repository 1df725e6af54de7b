"""Judges of contradictions: the fast model with the seed's conflict types, falling back to the
heuristic when the model fails or answers with something that is not a verdict."""
from __future__ import annotations


from ..domain.conflicts import Verdict, clarification_answer, parse_model_verdict
from ..domain.contradictions import heuristic_verdict
from ..domain.prompts import CLARIFICATION_ANSWER_PROMPT, MEMORY_CONFLICT_PROMPT
from ..ports import FastModel
from .fast_model_call import ask_fast_model

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
        return ask_fast_model(self._model, MEMORY_CONFLICT_PROMPT.format(old=_quoted(old), new=_quoted(new)),
                              parse=parse_model_verdict, fallback=lambda: self._fallback.judge(old, new),
                              purpose="conflict judge", max_tokens=120, temperature=0.0)

    def answer(self, old: str, new: str, message: str) -> str:
        prompt = CLARIFICATION_ANSWER_PROMPT.format(old=_quoted(old), new=_quoted(new), answer=_quoted(message))
        return ask_fast_model(self._model, prompt, parse=_answer_word,
                              fallback=lambda: self._fallback.answer(old, new, message),
                              purpose="clarification answer", max_tokens=3, temperature=0.0)


def _answer_word(text: str) -> str | None:
    word = text.strip().lower().strip(".!\"'")
    return word if word in ANSWERS else None
