"""Behaviour-change analysis for the nightly reflection: the rules (domain/insights.py) offline, and
the fast model (Groq) with BEHAVIOUR_ANALYSIS_PROMPT in production, whose changes join the
rules' quantitative ones; the rules alone when the model is down, slow or answers something that
does not parse."""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Sequence

from ..domain.insights import LoggedTurn, behaviour_changes
from ..domain.prompts import BEHAVIOUR_ANALYSIS_PROMPT, BEHAVIOUR_FOCUS
from ..ports import FastModel
from .fast_model_call import ask_fast_model

MAX_TURNS = 60  # the week's most recent ones: enough to see a change, small enough for a fast model
MAX_CHARS = 240  # per message in the prompt
_JSON = re.compile(r"\{.*\}", re.S)


class RuleBasedBehaviourAnalyst:
    name = "rules"

    def analyse(self, turns: Sequence[LoggedTurn], now: datetime) -> dict:
        return {**behaviour_changes(turns, now), "analyst": self.name}


def parse_changes(answer: str) -> dict | None:
    """The model's JSON verdict; None when it is not the JSON asked for. Entries of an unknown
    kind or without a description are dropped one by one."""
    match = _JSON.search(answer)
    if not match:
        return None
    try:
        data = json.loads(match.group(0))
        items = data["detected_changes"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(items, list):
        return None
    changes = []
    for item in items[:5]:
        try:
            kind, description = str(item["kind"]).strip(), str(item["description"]).strip()[:200]
            confidence = min(1.0, max(0.0, float(item.get("confidence", 0.5))))
        except (KeyError, TypeError, ValueError):
            continue
        if kind in BEHAVIOUR_FOCUS and description:
            changes.append({"kind": kind, "description": description, "confidence": round(confidence, 3),
                            "source": "llm"})
    try:
        confidence = min(1.0, max(0.0, float(data.get("confidence", 0.0))))
    except (TypeError, ValueError):
        confidence = 0.0
    return {"detected_changes": changes, "change_confidence": round(confidence, 3),
            "communication_evolution": str(data.get("communication_evolution") or "")[:300]}


class LLMBehaviourAnalyst:
    name = "llm"

    def __init__(self, fast_model: FastModel, rules: RuleBasedBehaviourAnalyst | None = None):
        self._model = fast_model
        self._rules = rules or RuleBasedBehaviourAnalyst()

    def analyse(self, turns: Sequence[LoggedTurn], now: datetime) -> dict:
        measured = self._rules.analyse(turns, now)
        if measured["status"] != "analysed":
            return measured  # the seed asks for 5+ interactions in the week: nothing to ask about
        week = [t for t in turns if (now - t.at).days < 7][-MAX_TURNS:]
        lines = "\n".join(
            f"{i + 1}. [{t.at:%a %H:%M}] user: {_quote(t.user_message)} | companion: {_quote(t.agent_response)}"
            + (f" | pleasure after {t.pleasure_after:+.2f}" if t.pleasure_after is not None else "")
            for i, t in enumerate(week))
        prompt = BEHAVIOUR_ANALYSIS_PROMPT.format(metrics=json.dumps(measured["quantitative_metrics"]), interactions=lines)
        verdict = ask_fast_model(self._model, prompt, parse=parse_changes, fallback=lambda: None,
                                 purpose="behaviour analyst", max_tokens=500, temperature=0.1)
        if verdict is None:
            return measured  # the rules' analysis, labelled as such
        return {**measured, "analyst": self.name,
                "detected_changes": measured["detected_changes"] + verdict["detected_changes"],
                "change_confidence": max(measured["change_confidence"], verdict["change_confidence"]),
                "communication_evolution": verdict["communication_evolution"] or measured["communication_evolution"]}


def _quote(text: str) -> str:
    return json.dumps(text[:MAX_CHARS], ensure_ascii=False)
