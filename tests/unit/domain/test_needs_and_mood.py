"""Needs move the mood, need patterns set the thresholds: the documented rules of domain/needs.py,
and hypothesis properties that no needs ever pull the mood past its bound."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.domain.models import PersonalitySnapshot
from companion.domain.needs import (
    MAX_NEED_PULL, NEED_TYPES, THRESHOLD_BOUNDS, THRESHOLD_STEP, Need, adapted_threshold, adapted_thresholds,
    initial_needs, need_mood_pull, need_relief, satisfied,
)
from companion.domain.pad import PAD
from companion.domain.personality import BigFive

T0 = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def at(level: float, **kw) -> list[Need]:
    return [replace(n, current_level=level, **kw) for n in initial_needs()]


def test_needs_below_their_threshold_leave_the_mood_alone():
    assert need_mood_pull(at(0.8)) == PAD()  # exactly at the threshold is not urgent
    assert need_mood_pull(initial_needs()) == PAD()


def test_a_lonely_companion_is_lower_in_pleasure_by_the_seeds_influence():
    needs = [replace(n, current_level=1.0) if n.need_type == "social" else n for n in initial_needs()]
    pull = need_mood_pull(needs)
    assert pull.pleasure == pytest.approx(-0.1)  # urgency 1 x influence 0.1 x direction -1
    assert pull.arousal == pytest.approx(-0.03) and pull.dominance == pytest.approx(-0.03)
    halfway = [replace(n, current_level=0.9) if n.need_type == "social" else n for n in initial_needs()]
    assert need_mood_pull(halfway).pleasure == pytest.approx(-0.05)  # urgency 0.5


def test_every_need_at_the_top_is_bounded():
    pull = need_mood_pull(at(1.0))
    assert pull.pleasure == -MAX_NEED_PULL  # the sum would be -0.28
    assert -MAX_NEED_PULL <= pull.arousal < 0 and -MAX_NEED_PULL <= pull.dominance < 0


def test_influence_on_mood_scales_the_pull_and_zero_turns_it_off():
    assert need_mood_pull(at(1.0, influence_on_mood=0.0)) == PAD()
    assert need_mood_pull(at(1.0, influence_on_mood=0.05)).pleasure == pytest.approx(-0.14)


def test_meeting_a_need_gives_back_what_its_lack_took():
    needs = [replace(n, current_level=1.0) if n.need_type == "social" else n for n in initial_needs()]
    relief = need_relief(needs, {"social"})
    assert relief.pleasure == pytest.approx(0.05)  # social 1.0 -> 0.9: urgency 1 -> 0.5
    assert 0 < need_relief(at(1.0), {"social"}).pleasure <= 0.05  # under the bound, what the bound hid stays hidden
    assert need_relief(needs, set()) == PAD()
    assert need_relief(initial_needs(), {"social", "rest"}) == PAD()  # nothing urgent, nothing to give back
    assert [n.current_level for n in satisfied(needs, {"social"}) if n.need_type == "social"] == [pytest.approx(0.9)]


def test_the_mood_relaxes_toward_the_temperament_less_the_needs_pull():
    calm = PersonalitySnapshot("u", BigFive(0.5, 0.5, 0.5, 0.5, 0.5), PAD(0.2, 0.0, 0.1), PAD(0.2, 0.0, 0.1), T0)
    pull = need_mood_pull(at(1.0))
    two_days = calm.relaxed_to(T0 + timedelta(days=2), pull)
    assert two_days.pad.pleasure == pytest.approx(0.2 - MAX_NEED_PULL, abs=1e-3)
    assert calm.relaxed_to(T0 + timedelta(days=2)).pad == calm.pad  # no needs: the temperament itself


needs_strategy = st.lists(
    st.builds(Need, st.sampled_from(NEED_TYPES), current_level=st.floats(0, 1), trigger_threshold=st.floats(0.5, 0.95),
              influence_on_mood=st.floats(0, 1)),
    max_size=12)


@given(needs_strategy, st.sets(st.sampled_from(NEED_TYPES)))
def test_no_needs_pull_or_relief_leaves_the_bounds(needs, met):
    pull = need_mood_pull(needs)
    assert all(-MAX_NEED_PULL <= v <= MAX_NEED_PULL for v in (pull.pleasure, pull.arousal, pull.dominance))
    relief = need_relief(needs, met)
    assert relief.pleasure >= 0  # meeting a need never saddens
    assert all(abs(v) <= 2 * MAX_NEED_PULL for v in (relief.pleasure, relief.arousal, relief.dominance))


# --- thresholds ---------------------------------------------------------------------------------------


def test_a_need_met_often_is_missed_sooner_and_one_never_met_is_got_used_to():
    assert adapted_threshold(0.8, satisfied_7d=21) == 0.75  # 3 a day: toward 0.7, one step a night
    assert adapted_threshold(0.75, satisfied_7d=21) == 0.7
    assert adapted_threshold(0.7, satisfied_7d=40) == 0.7  # the low end holds
    assert adapted_threshold(0.8, satisfied_7d=0) == 0.85
    assert adapted_threshold(0.9, satisfied_7d=0) == 0.9
    assert adapted_threshold(0.8, satisfied_7d=10) == pytest.approx(0.8, abs=0.01)  # ~1.5 a day keeps the seed's 0.8


def test_adapted_thresholds_only_for_needs_with_a_pattern():
    patterns = {"social": {"satisfied_7d": 30}, "creative": {"satisfied_7d": 0}}
    assert adapted_thresholds(initial_needs(), patterns) == {"social": 0.75, "creative": 0.85}


@given(st.floats(0.0, 1.0), st.integers(-5, 500))
def test_thresholds_stay_within_the_seeds_bounds_and_move_one_step_at_most(current, met):
    new = adapted_threshold(current, met)
    assert THRESHOLD_BOUNDS[0] <= new <= THRESHOLD_BOUNDS[1]
    if THRESHOLD_BOUNDS[0] <= current <= THRESHOLD_BOUNDS[1]:
        assert abs(new - current) <= THRESHOLD_STEP + 1e-4  # rounded to 4 places
