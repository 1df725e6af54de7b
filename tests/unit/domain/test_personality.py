from companion.domain.needs import DEFAULT_DECAY_RATES, decayed_level, initial_needs, needs_met_by_message
from companion.domain.personality import TRAITS, BigFive, baseline_pad, generate_big_five
from companion.domain.prompts import format_needs, format_quirks, personality_prompt

import pytest


def test_big_five_is_reproducible_per_user_and_differs_between_users():
    a1, a2, b = generate_big_five("111"), generate_big_five("111"), generate_big_five("222")
    assert a1 == a2
    assert a1 != b
    assert all(0.05 <= getattr(a1, t) <= 0.95 for t in TRAITS)


def test_traits_outside_unit_range_are_rejected():
    with pytest.raises(ValueError):
        BigFive(1.2, 0.5, 0.5, 0.5, 0.5)


def test_baseline_follows_mehrabian_signs():
    warm = baseline_pad(BigFive(0.5, 0.5, 0.9, 0.9, 0.1))  # extraverted, agreeable, stable
    cold = baseline_pad(BigFive(0.5, 0.5, 0.1, 0.1, 0.9))
    assert warm.pleasure > 0 > cold.pleasure
    assert warm.dominance > cold.dominance
    assert all(-0.5 <= v <= 0.5 for v in (warm.pleasure, warm.arousal, warm.dominance))


def test_needs_start_at_half_with_the_seed_decay_rates():
    needs = {n.need_type: n for n in initial_needs()}
    assert set(needs) == set(DEFAULT_DECAY_RATES)
    assert needs["social"].decay_rate == 0.03 and needs["rest"].decay_rate == 0.04
    assert all(n.current_level == 0.5 and n.trigger_threshold == 0.8 for n in needs.values())


def test_need_decay_formula_caps_at_one():
    assert decayed_level(0.5, 0.03, 10) == pytest.approx(0.8)
    assert decayed_level(0.9, 0.03, 100) == 1.0


def test_questions_meet_the_intellectual_need():
    assert needs_met_by_message("hi") == {"social"}
    assert needs_met_by_message("Why is the sky blue?") == {"social", "intellectual"}


def test_prompt_uses_the_seed_template():
    prompt = personality_prompt(
        traits=BigFive(0.8, 0.4, 0.6, 0.7, 0.2).as_dict(),
        pad={"pleasure": 0.3, "arousal": 0.1, "dominance": -0.1},
        emotion_label="bored",
        needs=[("social", 0.9), ("rest", 0.2)],
        memories=["I got a new puppy today!"],
    )
    assert "- Openness: 0.80 (0=Traditional, 1=Creative/Curious)" in prompt
    assert "CURRENT EMOTIONAL STATE: bored" in prompt
    assert "DEVELOPED QUIRKS: None yet" in prompt
    assert "CURRENT NEEDS: social (0.9)" in prompt
    assert "<memories>\n- I got a new puppy today!\n</memories>" in prompt
    assert format_quirks([("puns", 0.31)]) == "puns (strength: 0.3)"
    assert format_needs([("rest", 0.5)]) == "All needs satisfied"
