"""The importance a message gets from its words: the categories a companion keeps (self-disclosure,
health, relationships, plans, strong emotion) above preferences, routine and small talk; checked
against the seed's labelled examples too."""
import numpy as np
import pytest

from companion.domain.importance import IMPORTANCE_ANCHORS, heuristic_importance, read_importance


def ranks(values):
    return np.asarray(values).argsort().argsort()


def test_heuristic_orders_the_labelled_examples_like_their_labels():
    labels = [score for _, score in IMPORTANCE_ANCHORS]
    scores = [heuristic_importance(text) for text, _ in IMPORTANCE_ANCHORS]
    spearman = np.corrcoef(ranks(labels), ranks(scores))[0, 1]
    mean_error = np.mean(np.abs(np.subtract(labels, scores)))
    assert spearman > 0.85 and mean_error < 0.2


def test_seed_examples_land_on_the_right_side():
    assert heuristic_importance("What's the weather like?") < 0.2
    assert heuristic_importance("Can you tell me a joke?") < 0.2
    assert heuristic_importance("I just got a new puppy named Max!") > 0.5
    assert heuristic_importance("My dad passed away last month, I'm still grieving") > 0.8


def test_heuristic_stays_in_range():
    for text in ["", "!!!", "a" * 5000, "I " * 1000 + "love love love my wonderful amazing family"]:
        assert 0.05 <= heuristic_importance(text) <= 0.95


@pytest.mark.parametrize("text, category", [
    ("Hi! I am Maya, I work as a nurse in Leeds", "self_disclosure"),
    ("I'm 34, I live in Toronto with my two cats", "self_disclosure"),
    ("I'm seriously allergic to peanuts, I carry an epipen everywhere", "health"),
    ("My dad is in the hospital", "relationship"),
    ("I have a job interview at Amazon on Friday", "plan"),
    ("I feel so alone lately, nobody calls me anymore", "emotion"),
    ("My favourite band is The Cure", "preference"),
    ("I had toast for breakfast", "routine"),
    ("lol ok", "small_talk"),
    ("What's the weather like?", "small_talk"),
])
def test_what_a_message_is_about(text, category):
    assert category in read_importance(text).categories


def test_what_a_companion_should_keep_ranks_above_small_talk():
    kept = ["Hi! I am Maya, I work as a nurse in Leeds", "My dad is in the hospital",
            "I'm planning to run my first marathon in October", "I was diagnosed with depression last year",
            "I'm heartbroken, my dog died this morning"]
    chatter = ["lol ok", "thanks!", "hey how are you?", "Good morning!", "haha nice", "I'm having a coffee"]
    assert min(map(heuristic_importance, kept)) >= 0.65 > 0.3 >= max(map(heuristic_importance, chatter))
    # More than one reason to keep it weighs more: news about family and health at once.
    assert heuristic_importance("My mum was diagnosed with cancer") > heuristic_importance("My mum is visiting")
    # A taste is not a strong feeling: "love" in "I love spicy food" is a preference.
    assert read_importance("I love spicy food").categories == ("preference",)
