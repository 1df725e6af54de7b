"""The injection screen's two stages (ports.ThreatScreen). The local score (domain/injection.py:
patterns plus the learned model of domain/injection_classifier.py; no network) settles what is clearly safe or clearly an attack; only the uncertain band is put to
the fast LLM (Groq) with the seed's prompt. When the fast LLM fails or answers something that
does not parse, the local verdict stands."""
from __future__ import annotations

from ..domain.injection import LocalVerdict, screen_locally
from ..domain.injection_classifier import HashedNgramClassifier
from ..domain.security import (
    LLM_CONFIDENCE_THRESHOLD, LOCAL_CERTAIN, LOCAL_CLEAR, LOCAL_FLAG, Assessment, parse_llm_verdict, threat_prompt,
)
from ..ports import FastModel
from .fast_model_call import ask_fast_model
from .injection_classifier import load_classifier

_DEFAULT = object()


class TwoStageThreatScreen:
    def __init__(self, fast_model: FastModel | None = None, classifier: HashedNgramClassifier | None | object = _DEFAULT):
        """``classifier``: the local stage's learned model (loaded from the package by default;
        None screens with the patterns alone)."""
        self.fast_model = fast_model
        self.classifier = load_classifier() if classifier is _DEFAULT else classifier

    def local(self, message: str) -> LocalVerdict:
        """The local stage's verdict (patterns and learned model), as this screen computes it."""
        return screen_locally(message, self.classifier)

    def assess(self, message: str) -> Assessment:
        local = self.local(message)

        def local_verdict() -> Assessment:
            flagged = local.score >= LOCAL_FLAG
            return Assessment(flagged, local.threat_type if flagged else "none", local.score,
                              "pattern_match", local.score, local.indicators)

        def model_verdict(answer: str) -> Assessment | None:
            verdict = parse_llm_verdict(answer)
            if verdict is None:
                return None
            flagged = verdict.threat_detected and verdict.confidence > LLM_CONFIDENCE_THRESHOLD
            return Assessment(flagged, verdict.threat_type if flagged else "none", verdict.confidence,
                              "groq_analysis", local.score, local.indicators, verdict.reasoning)

        if local.score >= LOCAL_CERTAIN or local.score < LOCAL_CLEAR or self.fast_model is None:
            return local_verdict()
        return ask_fast_model(self.fast_model, threat_prompt(message), parse=model_verdict, fallback=local_verdict,
                              purpose="security screen (the local verdict stands)", max_tokens=200,
                              temperature=0.0)


def security_model(settings, *, api_key_source=None) -> FastModel | None:
    """The security stage's fast LLM (Groq), or None when no key is configured; ``api_key_source``
    keeps its key live (``LiveKey``)."""
    if not settings.groq_api_key:
        return None
    from .groq_fast import GroqFastModel

    return GroqFastModel(api_key=settings.groq_api_key, model=settings.security_llm_model or settings.scoring_llm_model,
                         api_key_source=api_key_source)
