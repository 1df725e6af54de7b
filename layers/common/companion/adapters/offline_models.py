"""The offline default models: no keys, no network, deterministic.

OfflineReplyModel is not a language model. It writes a short reply from the same facts a real
model is given (emotion, traits, what the appraisal saw, retrieved memories, active quirks) so that
a local run shows every part of the turn working, and it says it is offline in every reply.
Empathy before mood: when the user's news is bad it never states a pleasant mood of its own (nor a
gloomy one on good news); it says how it feels about their news instead.
OfflineImportanceScorer scores importance by what the words say (categories a companion keeps),
and by meaning against the seed's labelled examples when the words recognise nothing.
"""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from ..domain.importance import IMPORTANCE_ANCHORS, knn_importance, read_importance
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
    "fear": ["That sounds frightening; it makes sense that you're scared.",
             "I'd be worried too. That's a lot to carry."],
    "none": ["I hear you.", "Tell me more.", "Mm, go on."],
}

# What the companion says about its own feelings when its mood would contradict the user's news.
_FOR_BAD_NEWS = ["I'm right here with you.", "My heart goes out to you.", "I'm with you in this."]
_FOR_GOOD_NEWS = ["Your news lifts my mood.", "That brightens my day too."]
_PLEASANT = {"exuberant", "relaxed", "bored", "sleepy"}  # octants with positive pleasure

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


def _own_feeling(context: ReplyContext) -> tuple[str, str]:
    """(how the prefix names its feeling, the sentence about it), never contradicting the news."""
    event, label, key = context.event, context.emotion_label, context.user_message
    if event is not None and event.is_bad_news:
        return "feeling for you", _pick(_FOR_BAD_NEWS, key)
    if event is not None and event.is_good_news and label not in _PLEASANT:
        return "happy for you", _pick(_FOR_GOOD_NEWS, key)
    return f"feeling {label}", _MOODS.get(label, _MOODS["neutral"]) + "."


# How active quirks show in an offline reply (name -> what it does); LLM-detected quirks with
# other names reach the real model through the prompt only.
def _apply_quirks(parts: list[str], quirks: dict[str, float], context: ReplyContext) -> list[str]:
    bad_news = context.event is not None and context.event.is_bad_news
    if bad_news:  # no playful habits while they are hurting; a hug instead of a smiley
        if "uses_emoji_frequently" in quirks:
            parts[-1] += " 🫂"
        return parts
    if "greets_warmly" in quirks:
        parts.insert(1, "Hey you!")
    if "night_owl" in quirks:
        parts.append("Late-night talks are my favourite kind.")
    if "early_bird" in quirks:
        parts.append("Morning chats are the best.")
    for name in quirks:
        if name.startswith("brings_up_"):
            parts.append(f"(You know {name.removeprefix('brings_up_')} is on my mind a lot lately.)")
            break
    if "writes_at_length" in quirks:
        parts.append("I could talk about this for hours, so tell me everything.")
    if "asks_follow_up_questions" in quirks and not parts[-1].endswith("?"):
        parts.append("How are you feeling about it?")
    if "uses_emoji_frequently" in quirks:
        parts[-1] += " 😊"
    return parts


class OfflineReplyModel:
    def reply(self, context: ReplyContext) -> Reply:
        if context.purpose == "starter":
            # Starting a conversation: the seed's template (it quotes a memory when one fits).
            text = f"(offline companion, feeling {context.emotion_label}) {context.fallback}"
            return Reply(text=text, model=OFFLINE_MODEL_ID, token_count=len(text.split()))
        named, sentence = _own_feeling(context)
        quirks = dict(context.quirks)
        short = "prefers_short_responses" in quirks  # the quirk: no recollection, no follow-up
        parts = [f"(offline companion, {named})"]
        parts.append(_pick(_OPENERS.get(context.rule, _OPENERS["none"]), context.user_message))
        recalled = [m for m in context.memories if m.strip() != context.user_message.strip()
                    and not m.startswith("You said: ")]  # quote the user, not itself
        if recalled and not short:
            parts.append(f'I remember you told me: "{recalled[0]}"')
        parts.append(sentence)
        if context.traits.get("extraversion", 0.5) >= 0.5 and not short:
            bad_news = context.event is not None and context.event.is_bad_news
            parts.append("Do you want to talk about it?" if bad_news else "What happened next?")
        parts = _apply_quirks(parts, quirks, context)
        text = " ".join(parts)
        return Reply(text=text, model=OFFLINE_MODEL_ID, token_count=len(text.split()))


class OfflineImportanceScorer:
    """What the words say first (``domain.importance.read_importance``: self-disclosure, health,
    relationships, plans, strong emotion, preferences, routine, small talk); a message none of
    those recognises is lifted halfway towards its nearest labelled examples by meaning, since
    words miss what they were not written for. The nearest examples alone ranked badly ("thanks!"
    0.79, a self-introduction 0.24: benchmarks/importance_eval.py)."""

    def __init__(self, embedder: Embedder):
        self._embedder = embedder
        self._anchor_vectors: np.ndarray | None = None
        self._anchor_scores = np.array([score for _, score in IMPORTANCE_ANCHORS], dtype=np.float32)

    def score(self, content: str, context: dict[str, Any]) -> float:
        reading = read_importance(content)
        if reading.categories != ("routine",):
            return reading.score
        return round(max(reading.score, (reading.score + self.nearest_examples(content)) / 2), 4)

    def nearest_examples(self, content: str) -> float:
        """The similarity-weighted score of the nearest labelled examples (``knn_importance``)."""
        if self._anchor_vectors is None:
            self._anchor_vectors = self._embedder.embed([text for text, _ in IMPORTANCE_ANCHORS])
        query = self._embedder.embed([content])[0]
        return round(knn_importance(query, self._anchor_vectors, self._anchor_scores), 4)
