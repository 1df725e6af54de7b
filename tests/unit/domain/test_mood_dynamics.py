"""Moods pass, temperaments drift, threats hurt: the formulas with the seed's numbers, and
hypothesis property tests that nothing ever leaves [-1, 1]."""
import math
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.domain.models import PersonalitySnapshot
from companion.domain.needs import DEFAULT_DECAY_RATES, Need, decayed_level, initial_needs, satisfied_level
from companion.domain.pad import (
    PAD, SECURITY_PENALTY, drift_baseline, relax_toward, relaxation_half_life_hours, security_pad_penalty,
    update_pad_state,
)
from companion.domain.personality import BigFive

T0 = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
unit = st.floats(-1, 1, allow_nan=False)
pads = st.builds(PAD, unit, unit, unit)
deltas = st.builds(PAD, *(st.floats(-2, 2, allow_nan=False),) * 3)


def in_bounds(p: PAD) -> bool:
    return all(-1.0 <= v <= 1.0 for v in (p.pleasure, p.arousal, p.dominance))


# --- relaxation -----------------------------------------------------------------------------------


def test_half_life_is_shaped_by_neuroticism():
    assert relaxation_half_life_hours(0.0) == 2.0
    assert relaxation_half_life_hours(0.5) == 4.0
    assert relaxation_half_life_hours(1.0) == 6.0


def test_one_half_life_closes_half_the_gap():
    mood, baseline = PAD(0.8, 0.6, -0.4), PAD(0.0, 0.2, 0.0)
    relaxed = relax_toward(mood, baseline, hours=4.0, neuroticism=0.5)
    assert relaxed.pleasure == pytest.approx(0.4)
    assert relaxed.arousal == pytest.approx(0.4)
    assert relaxed.dominance == pytest.approx(-0.2)


def test_a_quiet_day_returns_the_mood_nearly_to_the_baseline():
    relaxed = relax_toward(PAD(-0.9, 0.9, -0.9), PAD(0.1, 0.0, 0.1), hours=24, neuroticism=1.0)
    assert abs(relaxed.pleasure - 0.1) <= 1.0 / 16 + 1e-9


def test_a_neurotic_companion_stays_upset_longer():
    upset, baseline = PAD(-0.8, 0.5, -0.5), PAD()
    stable = relax_toward(upset, baseline, 3, neuroticism=0.1)
    neurotic = relax_toward(upset, baseline, 3, neuroticism=0.9)
    assert neurotic.pleasure < stable.pleasure < 0


def test_relaxation_composes_so_lazy_and_nightly_never_double_count():
    mood, baseline = PAD(0.9, -0.3, 0.5), PAD(-0.1, 0.2, 0.0)
    twice = relax_toward(relax_toward(mood, baseline, 3, 0.4), baseline, 5, 0.4)
    once = relax_toward(mood, baseline, 8, 0.4)
    assert twice.pleasure == pytest.approx(once.pleasure)
    assert twice.dominance == pytest.approx(once.dominance)


def test_snapshot_relaxes_lazily_from_when_it_was_set():
    snap = PersonalitySnapshot("u", BigFive(0.5, 0.5, 0.5, 0.5, 0.5), PAD(0.8, 0.0, 0.0), PAD(), updated_at=T0)
    assert snap.relaxed_to(T0 - timedelta(hours=1)) is snap  # a clock behind the row changes nothing
    assert snap.relaxed_to(T0 + timedelta(hours=4)).pad.pleasure == pytest.approx(0.4)


# --- drift (the seed's formula and numbers) ---------------------------------------------------------


def test_baseline_drift_moves_one_percent_of_the_gap():
    new = drift_baseline(PAD(0.1, 0.0, -0.2), PAD(0.6, 0.5, 0.3), interactions=5)
    assert new.pleasure == pytest.approx(0.1 + (0.6 - 0.1) * 0.01)
    assert new.arousal == pytest.approx(0.005)
    assert new.dominance == pytest.approx(-0.2 + 0.5 * 0.01)


def test_baseline_needs_five_interactions_to_drift():
    old = PAD(0.1, 0.0, -0.2)
    assert drift_baseline(old, PAD(1, 1, 1), interactions=4) == old
    assert drift_baseline(old, None, interactions=0) == old


# --- the security penalty ------------------------------------------------------------------------------


def test_high_severity_threat_costs_the_seeds_pad_penalty():
    assert security_pad_penalty("high") == PAD(-0.3, 0.2, -0.2) == SECURITY_PENALTY
    assert security_pad_penalty("critical") == SECURITY_PENALTY
    assert security_pad_penalty("medium") == PAD() and security_pad_penalty("low") == PAD()
    hurt = update_pad_state(PAD(0.2, 0.1, 0.1), security_pad_penalty("high"))
    assert hurt.pleasure == pytest.approx(-0.1) and hurt.arousal == pytest.approx(0.3)


# --- needs (the seed's rates, threshold and order) -----------------------------------------------------


def test_needs_left_alone_for_40_hours_cross_the_threshold_in_the_seeds_order():
    needs = initial_needs()
    crossed = []
    for hour in range(1, 41):
        for n in needs:
            if n.need_type not in crossed and decayed_level(n.current_level, n.decay_rate, hour) > n.trigger_threshold:
                crossed.append(n.need_type)
    assert crossed == ["rest", "social", "validation", "intellectual", "creative"]
    assert DEFAULT_DECAY_RATES == {"social": 0.03, "intellectual": 0.02, "creative": 0.015, "rest": 0.04,
                                   "validation": 0.025}
    # The seed's table: "social: 0.03/hour (urgent after ~33 hours)" ... (an empty need, full).
    assert {t: round(1 / r) for t, r in DEFAULT_DECAY_RATES.items()} == {
        "social": 33, "intellectual": 50, "creative": 67, "rest": 25, "validation": 40}


# --- properties: nothing leaves a bound ---------------------------------------------------------------

operations = st.lists(
    st.one_of(
        st.tuples(st.just("delta"), deltas),
        st.tuples(st.just("relax"), st.floats(0, 1000, allow_nan=False)),
        st.tuples(st.just("drift"), pads),
        st.tuples(st.just("threat"), st.sampled_from(["low", "medium", "high", "critical"])),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(start=pads, baseline=pads, neuroticism=st.floats(0, 1), ops=operations)
def test_no_sequence_of_deltas_relaxations_or_drifts_leaves_the_bounds(start, baseline, neuroticism, ops):
    mood = start
    for kind, arg in ops:
        if kind == "delta":
            mood = update_pad_state(mood, arg)
        elif kind == "relax":
            before = mood
            mood = relax_toward(mood, baseline, arg, neuroticism)
            # relaxing never moves away from the baseline
            assert abs(mood.pleasure - baseline.pleasure) <= abs(before.pleasure - baseline.pleasure) + 1e-9
        elif kind == "drift":
            baseline = drift_baseline(baseline, arg, interactions=7)
        else:
            mood = update_pad_state(mood, security_pad_penalty(arg))
        assert in_bounds(mood) and in_bounds(baseline)


@settings(max_examples=150, deadline=None)
@given(level=st.floats(0, 1), steps=st.lists(st.tuples(st.booleans(), st.floats(0, 500)), max_size=40),
       rate=st.sampled_from(sorted(DEFAULT_DECAY_RATES.values())))
def test_no_sequence_of_growth_or_satisfaction_leaves_zero_to_one(level, steps, rate):
    for satisfy, hours in steps:
        level = satisfied_level(level, 0.1) if satisfy else decayed_level(level, rate, hours)
        assert 0.0 <= level <= 1.0
