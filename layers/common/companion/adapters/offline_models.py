"""The offline default models: no keys, no network, deterministic.

OfflineReplyModel is not a language model. It writes a short reply from the same facts a real
model is given (emotion, traits, what the appraisal saw, retrieved memories) so that a local run
shows every part of the turn working, and it says it is offline in every reply.
OfflineImportanceScorer scores importance by meaning against the seed's labelled examples.
"""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from ..domain.importance import IMPORTANCE_ANCHORS, knn_importance
from ..domain.models import Reply, ReplyContext
from ..ports import Embedder

OFFLINE_MODEL_ID = "offline-responder-v1"

_OPENERS = {
    "happy_for": ["That's wonderful news!", "Oh, I love hearing that!", "That made me smile!"],
    "sorry_for": ["I'm so sorry to hear that.", "That sounds really hard.", "Oh no, that's rough."],
    "goal_achievement": ["You did it, congratulations!", "That's a real accomplishment!"],
    "goal_failure": ["That's frustrating, I'm sorry.", "Ugh, that didn't go the way you hoped."],
    "compliment": ["Aw, thank you, that means a lot to me.", "You're sweet, thank you!"],
    "unexpected_event": ["Wow, I did not see that coming!", "Whoa, that's unexpected!"],
    "social_connection": ["It sounds like good company.", "I like hearing about the people in your life."],
    "none": ["I hear you.", "Tell me more.", "Mm, go on."],
}

_MOODS = {
    "exuberant": "I'm feeling bright and lively right now",
    "bored": "I'm a little restless today",
    "relaxed": "I'm feeling calm and content",
    "sleepy": "I'm in a mellow, quiet mood",
    "anxious": "I'm a bit on edge, honestly",
    "stressed": "I'm feeling somewhat tense",
    "calm": "I'm steady, if a little subdued",
    "depressed": "I'm feeling a bit low today",
    "neutral": "I'm feeling pretty even",
}


def _pick(options: list[str], key: str) -> str:
    digest = hashlib.sha256(key.encode()).digest()
    return options[digest[0] % len(options)]


class OfflineReplyModel:
    def reply(self, context: ReplyContext) -> Reply:
        parts = [f"(offline companion, feeling {context.emotion_label})"]
        parts.append(_pick(_OPENERS.get(context.rule, _OPENERS["none"]), context.user_message))
        recalled = [m for m in context.memories if m.strip() != context.user_message.strip()]
        if recalled:
            parts.append(f'I remember you told me: "{recalled[0]}"')
        parts.append(_MOODS.get(context.emotion_label, _MOODS["neutral"]) + ".")
        if context.traits.get("extraversion", 0.5) >= 0.5:
            parts.append("What happened next?")
        text = " ".join(parts)
        return Reply(text=text, model=OFFLINE_MODEL_ID, token_count=len(text.split()))


class OfflineImportanceScorer:
    def __init__(self, embedder: Embedder):
        self._embedder = embedder
        self._anchor_vectors: np.ndarray | None = None
        self._anchor_scores = np.array([score for _, score in IMPORTANCE_ANCHORS], dtype=np.float32)

    def score(self, content: str, context: dict[str, Any]) -> float:
        if self._anchor_vectors is None:
            self._anchor_vectors = self._embedder.embed([text for text, _ in IMPORTANCE_ANCHORS])
        query = self._embedder.embed([content])[0]
        return round(knn_importance(query, self._anchor_vectors, self._anchor_scores), 4)
