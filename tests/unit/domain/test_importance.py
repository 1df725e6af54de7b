"""The last-resort importance heuristic, checked against the seed's labelled examples."""
import numpy as np

from companion.domain.importance import IMPORTANCE_ANCHORS, heuristic_importance


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
