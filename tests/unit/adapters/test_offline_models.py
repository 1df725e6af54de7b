import numpy as np
import pytest

from companion.adapters.hashing_embedder import HashingEmbedder
from companion.adapters.offline_models import OfflineImportanceScorer, OfflineReplyModel
from companion.domain.importance import parse_score
from companion.domain.models import ReplyContext

PARAPHRASES = [
    ("I adopted a dog last week", "We got a new puppy a few days ago"),
    ("My mother is in the hospital", "Mom was admitted for surgery"),
    ("I love painting landscapes", "My hobby is making art of nature scenes"),
    ("I'm nervous about my job interview", "Tomorrow I interview for a position and I'm anxious"),
    ("We're flying to Japan in April", "Our trip to Tokyo is next spring"),
]


def test_minilm_finds_each_paraphrase_among_the_others(embedder):
    left = embedder.embed([a for a, _ in PARAPHRASES])
    right = embedder.embed([b for _, b in PARAPHRASES])
    assert left.shape == (5, 384) and np.allclose(np.linalg.norm(left, axis=1), 1, atol=1e-5)
    assert list((left @ right.T).argmax(axis=1)) == [0, 1, 2, 3, 4]


def test_hashing_embedder_is_normalised_and_word_based():
    e = HashingEmbedder(dim=256)
    v = e.embed(["the red house", "the red house", "quantum physics", ""])
    assert np.allclose(v[0], v[1]) and float(v[0] @ v[2]) < 0.5 and not v[3].any()


@pytest.mark.parametrize(
    "message, low, high",
    [
        ("I got a new puppy today!", 0.6, 1.0),
        ("My grandpa died yesterday", 0.75, 1.0),
        ("What's the weather like tomorrow?", 0.0, 0.3),
        ("ok", 0.0, 0.3),
    ],
)
def test_offline_importance_is_calibrated_by_the_seed_examples(embedder, message, low, high):
    assert low <= OfflineImportanceScorer(embedder).score(message, {}) <= high


def test_offline_reply_is_labelled_and_uses_emotion_and_memories():
    context = ReplyContext(
        messages=[], user_message="What was his name again?", emotion_label="relaxed",
        traits={"extraversion": 0.3}, memories=["His name is Sparky."], rule="none",
    )
    reply = OfflineReplyModel().reply(context)
    assert reply.text.startswith("(offline companion, feeling relaxed)")
    assert "Sparky" in reply.text and reply.model == "offline-responder-v1"
    assert reply.text == OfflineReplyModel().reply(context).text  # deterministic


@pytest.mark.parametrize("text, expected", [("0.75", 0.75), ("Score: 1.7", 1.0), ("-0.2", 0.0), ("high", None)])
def test_parse_score(text, expected):
    assert parse_score(text) == expected
