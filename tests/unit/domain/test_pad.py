"""The seed's personality engine test cases (tests/test_personality_engine.py), verbatim values."""
import pytest

from companion.domain.pad import PAD, update_pad_state


def test_pad_state_update_normal_range():
    initial = PAD(pleasure=0.1, arousal=0.0, dominance=-0.2)
    delta = PAD(pleasure=0.3, arousal=0.1, dominance=0.4)
    result = update_pad_state(initial, delta)
    assert abs(result.pleasure - 0.4) < 0.01
    assert abs(result.arousal - 0.1) < 0.01
    assert abs(result.dominance - 0.2) < 0.01


def test_pad_state_update_upper_bound_clamping():
    result = update_pad_state(PAD(0.8, 0.9, 0.7), PAD(0.5, 0.3, 0.5))
    assert (result.pleasure, result.arousal, result.dominance) == (1.0, 1.0, 1.0)


def test_pad_state_update_lower_bound_clamping():
    result = update_pad_state(PAD(-0.9, -0.8, -0.7), PAD(-0.4, -0.5, -0.6))
    assert (result.pleasure, result.arousal, result.dominance) == (-1.0, -1.0, -1.0)


@pytest.mark.parametrize(
    "pad, label",
    [
        (PAD(0.5, 0.5, 0.5), "exuberant"),
        (PAD(0.5, 0.5, -0.5), "bored"),
        (PAD(0.5, -0.5, 0.5), "relaxed"),
        (PAD(0.5, -0.5, -0.5), "sleepy"),
        (PAD(-0.5, 0.5, 0.5), "anxious"),
        (PAD(-0.5, 0.5, -0.5), "stressed"),
        (PAD(-0.5, -0.5, 0.5), "calm"),
        (PAD(-0.5, -0.5, -0.5), "depressed"),
        (PAD(0, 0, 0), "neutral"),
    ],
)
def test_octant_labels_follow_the_seed_mapping(pad, label):
    assert pad.label == label


def test_pad_rejects_nan():
    with pytest.raises(ValueError):
        PAD(float("nan"), 0, 0)


def test_round_trip_through_dict():
    pad = PAD(0.25, -0.5, 0.125)
    assert PAD.from_dict(pad.as_dict()) == pad
