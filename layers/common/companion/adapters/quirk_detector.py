"""Quirk detectors: the heuristic one (domain.quirks.detect_patterns) and the fast LLM doing the
same job with QUIRK_DETECTION_PROMPT, falling back to the heuristic when the model is down or
answers with something unusable."""
from __future__ import annotations

import json
import re
from typing import Sequence

from ..domain.prompts import QUIRK_DETECTION_PROMPT
from ..domain.quirks import CATEGORIES, Exchange, Pattern, detect_patterns
from ..ports import FastModel, QuirkDetector
from .fast_model_call import ask_fast_model

MAX_EXCHANGES = 40  # the most recent ones; enough for habits, small enough for a fast model
MAX_CHARS = 300  # per message in the prompt
_NAME = re.compile(r"^[a-z][a-z0-9_]{2,99}$")
_JSON = re.compile(r"\{.*\}", re.S)


class HeuristicQuirkDetector:
    name = "heuristic"

    def detect(self, exchanges: Sequence[Exchange]) -> list[Pattern]:
        return detect_patterns(exchanges)


def _quote(text: str) -> str:
    return json.dumps(text[:MAX_CHARS], ensure_ascii=False)


def parse_patterns(answer: str, exchanges: Sequence[Exchange]) -> list[Pattern] | None:
    """Patterns from the model's JSON answer; None when it is not the JSON we asked for.
    Malformed entries are dropped one by one; counts are capped at the number of exchanges."""
    match = _JSON.search(answer)
    if not match:
        return None
    try:
        items = json.loads(match.group(0))["patterns"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(items, list):
        return None
    last = exchanges[-1].at if exchanges else None
    patterns = []
    for item in items:
        try:
            name = str(item["name"]).strip().lower().replace(" ", "_")
            category = str(item["category"]).strip()
            count = min(int(item["occurrence_count"]), len(exchanges))
            confidence = min(1.0, max(0.0, float(item["confidence"])))
            description = str(item.get("description") or name.replace("_", " "))[:300]
        except (KeyError, TypeError, ValueError):
            continue
        if not _NAME.match(name) or category not in CATEGORIES or count < 1:
            continue
        patterns.append(Pattern(name, category, description, count, round(confidence, 4), last, ()))
    return patterns


class LLMQuirkDetector:
    name = "llm"

    def __init__(self, fast_model: FastModel, fallback: QuirkDetector | None = None):
        self._model = fast_model
        self._fallback = fallback or HeuristicQuirkDetector()

    def detect(self, exchanges: Sequence[Exchange]) -> list[Pattern]:
        recent = list(exchanges)[-MAX_EXCHANGES:]
        if not recent:
            return []
        lines = "\n".join(
            f"{i + 1}. [{e.at:%a %H:%M}] user: {_quote(e.user_message)} | companion: {_quote(e.companion_reply)}"
            for i, e in enumerate(recent)
        )
        # Nothing from the model when it fails: the heuristic's patterns below are then the answer.
        patterns = ask_fast_model(self._model, QUIRK_DETECTION_PROMPT.format(exchanges=lines),
                                  parse=lambda answer: parse_patterns(answer, recent), fallback=list,
                                  purpose="quirk detector", max_tokens=600, temperature=0.1)
        # The model finds habits the heuristic cannot name; where both see the same one, the
        # heuristic's count and last sighting are exact, so its version wins.
        merged = {p.name: p for p in patterns}
        merged.update({p.name: p for p in self._fallback.detect(exchanges)})
        return list(merged.values())
