"""The seed's proactive scoring (proactive_manager.py), component by component, at the seed's
boundary values; and the limits and consent rules."""
from datetime import datetime, timedelta, timezone

import pytest

from companion.domain.needs import Need
from companion.domain.proactive import (
    OutreachState, blocking_limit, combine, in_quiet_hours, infer_utc_offset, interaction_pattern_score,
    need_urgency_score, offset_zone_name, pad_proactive_influence, personality_factor, primary_trigger,
    recent_conversation_penalty, time_gap_score, time_since_activity_penalty, timing_score, PatternStats,
    unanswered_cooldown_hours,
)

NOW = datetime(2026, 11, 5, 14, 0, tzinfo=timezone.utc)


# --- need urgency -------------------------------------------------------------------------------

def test_need_urgency_is_zero_below_every_threshold():
    assert need_urgency_score([Need("social", 0.79), Need("rest", 0.5)]) == 0.0


def test_need_urgency_weights_each_need_type_as_the_seed():
    # At 1.0 each need is fully urgent: urgency 1 x its type weight.
    assert need_urgency_score([Need("social", 1.0)]) == pytest.approx(0.35)
    assert need_urgency_score([Need("validation", 1.0)]) == pytest.approx(0.25)
    assert need_urgency_score([Need("intellectual", 1.0)]) == pytest.approx(0.20)
    assert need_urgency_score([Need("creative", 1.0)]) == pytest.approx(0.15)
    assert need_urgency_score([Need("rest", 1.0)]) == pytest.approx(0.05)
    assert need_urgency_score([Need("other", 1.0)]) == pytest.approx(0.1)


def test_need_urgency_is_the_share_above_threshold_times_proactive_weight_capped_at_one():
    # social at 0.9 with threshold 0.8: urgency (0.9-0.8)/(1-0.8) = 0.5 -> 0.5 * 0.35
    assert need_urgency_score([Need("social", 0.9)]) == pytest.approx(0.175)
    assert need_urgency_score([Need("social", 0.9, proactive_weight=2.0)]) == pytest.approx(0.35)
    every_need = [Need(t, 1.0, proactive_weight=3.0) for t in ("social", "validation", "intellectual")]
    assert need_urgency_score(every_need) == 1.0
    # at the threshold exactly the need counts, with urgency 0; a threshold of 1 counts fully
    assert need_urgency_score([Need("social", 0.8)]) == 0.0
    assert need_urgency_score([Need("social", 1.0, trigger_threshold=1.0)]) == pytest.approx(0.35)


# --- timing -------------------------------------------------------------------------------------

def test_timing_defaults_to_medium_without_history():
    score, parts = timing_score(14, 2, {}, {}, None)
    assert score == pytest.approx(0.5) and parts["hour_score"] == parts["day_score"] == 0.5


def test_timing_uses_max_normalised_histograms_hour_70_day_30():
    hourly, weekly = {20: 10, 14: 5}, {2: 4, 5: 8}
    score, parts = timing_score(14, 2, hourly, weekly, 12.0)
    assert parts == {"hour_score": 0.5, "day_score": 0.5, "activity_penalty": 0.0}
    assert score == pytest.approx(0.5 * 0.7 + 0.5 * 0.3)
    assert timing_score(20, 5, hourly, weekly, 12.0)[0] == pytest.approx(1.0)
    assert timing_score(3, 0, hourly, weekly, 12.0)[0] == 0.0


@pytest.mark.parametrize("hours,penalty", [
    (0, 0.5), (2, 0.25), (4, 0.0), (24, 0.0), (72, 0.0), (72 + 168, 0.5), (1000, 0.8),
])
def test_time_since_activity_penalty_matches_the_seed(hours, penalty):
    assert time_since_activity_penalty(hours) == pytest.approx(penalty)


# --- personality ------------------------------------------------------------------------------

def test_pad_influence_at_the_extremes():
    assert pad_proactive_influence(0, 0, 0) == pytest.approx(0.8 * 1.0 * 0.9)
    assert pad_proactive_influence(1, 0, 1) == pytest.approx(1.1 * 1.0 * 1.1)
    assert pad_proactive_influence(-1, 1, -1) == pytest.approx(0.5 * 0.8 * 0.7)
    assert pad_proactive_influence(0, -1, 0) == pytest.approx(0.8 * 0.8 * 0.9)


def test_personality_factor_weights_traits_and_is_bounded():
    neutral = dict.fromkeys(["openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"], 0.5)
    assert personality_factor(neutral, (0, 0, 0)) == pytest.approx(0.72)
    outgoing = neutral | {"extraversion": 1.0, "openness": 1.0}
    assert personality_factor(outgoing, (0, 0, 0)) == pytest.approx((1 + 0.5 * 0.3 + 0.5 * 0.2) * 0.72)
    conscientious = neutral | {"conscientiousness": 1.0}
    assert personality_factor(conscientious, (0, 0, 0)) == pytest.approx(0.95 * 0.72)
    assert personality_factor(neutral, (-1, 1, -1)) == 0.3  # floor
    maximal = {"extraversion": 1, "openness": 1, "agreeableness": 1, "neuroticism": 1, "conscientiousness": 0}
    assert personality_factor(maximal, (1, 0, 1)) == pytest.approx(min(1.7, (1 + 0.15 + 0.1 + 0.05 + 0.075 + 0.05) * 1.21))
    assert personality_factor(None, None) == 1.0


# --- interaction pattern ------------------------------------------------------------------------

@pytest.mark.parametrize("hours,expected", [
    (0, 0.0), (6, 0.5), (12, 1.0), (30, 1.0), (48, 1.0), (108, 1.1), (168, 1.2), (500, 1.2),
])
def test_time_gap_optimal_between_12_and_48_hours_then_up_to_1_2(hours, expected):
    assert time_gap_score(hours) == pytest.approx(expected)


def test_pattern_score_at_initiation_ratio_zero_and_one():
    base = dict(proactive_response_rate=0.5, avg_conversation_length=5, hours_since_last_interaction=24)
    never_starts, _ = interaction_pattern_score(PatternStats(**base, user_initiation_ratio=0.0))
    always_starts, parts = interaction_pattern_score(PatternStats(**base, user_initiation_ratio=1.0))
    assert never_starts == pytest.approx(0.5 * 0.4 + 0.5 * 0.3 + 1.0 * 0.2 + 1.5 * 0.1)
    assert always_starts == pytest.approx(0.5 * 0.4 + 0.5 * 0.3 + 1.0 * 0.2 + 0.5 * 0.1)
    assert parts["balance"] == 0.5 and parts["engagement"] == 0.5


def test_pattern_score_is_neutral_for_new_users_and_clamped():
    assert interaction_pattern_score(None)[0] == 0.5
    best = PatternStats(proactive_response_rate=1.0, avg_conversation_length=30,
                        hours_since_last_interaction=168, user_initiation_ratio=0.0)
    assert interaction_pattern_score(best)[0] == 1.0  # 0.4 + 0.3 + 0.24 + 0.15 = 1.09 -> 1


# --- the combination ----------------------------------------------------------------------------

def test_final_score_combines_weights_personality_and_recent_penalty():
    s = combine(need=1.0, timing=0.5, personality=1.2, pattern=0.6, recent_penalty=0.25)
    base = 1.0 * 0.4 + 0.5 * 0.25 + 0.6 * 0.35
    assert s.components["base_score"] == pytest.approx(base)
    assert s.total_score == pytest.approx(base * 1.2 * 0.75)
    assert s.should_initiate is (s.total_score >= 0.6)


def test_threshold_is_inclusive_at_0_6():
    # need 1, timing 0, pattern 4/7: base = 0.4 + 0.2 = 0.6 exactly
    assert combine(1.0, 0.0, 1.0, 0.2 / 0.35, 0.0).should_initiate
    assert not combine(1.0, 0.0, 0.99, 0.2 / 0.35, 0.0).should_initiate


def test_recent_penalty_scales_within_12_hours_of_the_last_proactive_message():
    assert recent_conversation_penalty(None) == 0.0
    assert recent_conversation_penalty(0) == 1.0
    assert recent_conversation_penalty(6) == pytest.approx(0.5)
    assert recent_conversation_penalty(12) == 0.0


def test_primary_trigger_is_the_largest_contribution():
    assert primary_trigger(1.0, 0.5, 0.5) == "need_urgency"
    assert primary_trigger(0.0, 1.0, 0.5) == "timing_optimal"
    assert primary_trigger(0.1, 0.2, 0.9) == "interaction_pattern"


# --- time zones ---------------------------------------------------------------------------------

def test_quiet_hours_wrap_midnight():
    assert [h for h in range(24) if in_quiet_hours(h, 23, 7)] == [0, 1, 2, 3, 4, 5, 6, 23]
    assert [h for h in range(24) if in_quiet_hours(h, 13, 15)] == [13, 14]
    assert not any(in_quiet_hours(h, 0, 0) for h in range(24))


def test_time_zone_is_inferred_from_when_the_user_sleeps():
    # Active 17:00-22:00 UTC+9 (Tokyo) = 08:00-13:00 UTC
    counts = {8: 3, 9: 2, 10: 4, 11: 3, 12: 2, 13: 1}
    offset = infer_utc_offset(counts)
    local_hours = {(h + offset) % 24 for h in counts}
    assert not local_hours & set(range(1, 7))
    assert infer_utc_offset({20: 3}) is None  # too little to go on
    assert offset_zone_name(2) == "Etc/GMT-2" and offset_zone_name(-5) == "Etc/GMT+5"
    assert offset_zone_name(0) == "UTC"


# --- limits and consent -------------------------------------------------------------------------

def state(**kw):
    base = dict(enabled=True, suspended=False, timezone="Europe/Berlin", quiet_start=23, quiet_end=7,
                last_active=NOW - timedelta(days=2))
    return OutreachState(**(base | kw))


def test_nothing_blocks_a_consenting_absent_user_in_the_afternoon():
    assert blocking_limit(state(), NOW) is None


def test_opt_out_and_suspension_block_and_never_lift_by_time():
    assert blocking_limit(state(enabled=False), NOW).reason == "opted_out"
    assert blocking_limit(state(suspended=True), NOW).until is None


def test_quiet_hours_are_local_and_lift_at_their_end():
    late = datetime(2026, 11, 5, 22, 30, tzinfo=timezone.utc)  # 23:30 in Berlin
    block = blocking_limit(state(), late)
    assert block.reason == "quiet_hours"
    assert block.until == datetime(2026, 11, 6, 6, 0, tzinfo=timezone.utc)  # 07:00 Berlin
    assert blocking_limit(state(timezone="America/New_York"), late) is None  # 17:30 there


def test_spacing_four_hours_and_the_unanswered_cooldown():
    sent = NOW - timedelta(hours=3)
    assert blocking_limit(state(last_sent=sent, sent_times=[sent]), NOW).reason == "min_spacing"
    answered = NOW - timedelta(hours=5)
    assert blocking_limit(state(last_sent=answered, sent_times=[answered]), NOW) is None
    unanswered = state(last_sent=answered, sent_times=[answered], last_sent_answered=False, unanswered_in_a_row=1)
    block = blocking_limit(unanswered, NOW)
    assert block.reason == "unanswered_cooldown"
    assert block.until - answered >= timedelta(hours=24)
    assert unanswered_cooldown_hours(1) >= 24 and unanswered_cooldown_hours(2) > unanswered_cooldown_hours(1)
    assert blocking_limit(state(unanswered_in_a_row=3), NOW).reason == "unanswered_streak"


def test_daily_cap_counts_the_users_local_day():
    today = [NOW - timedelta(hours=h) for h in (4, 8, 12)]  # 15:00, 11:00, 07:00 in Berlin
    assert blocking_limit(state(sent_times=today, last_sent=today[0]), NOW).reason == "daily_cap"
    assert blocking_limit(state(sent_times=today[:2], last_sent=today[0]), NOW) is None
    assert blocking_limit(state(sent_times=today, last_sent=today[0]), NOW, max_per_day=4) is None


def test_recently_active_users_are_left_alone():
    block = blocking_limit(state(last_active=NOW - timedelta(hours=1)), NOW)
    assert block.reason == "recently_active" and block.until == NOW + timedelta(hours=3)


# --- the seed's optimal conversation time (get_optimal_conversation_time) -----------------------

from companion.domain.proactive import (  # noqa: E402
    optimal_conversation_time, predict_receptivity, recheck_after_decline,
)

EVENINGS = {20: 10, 21: 6, 12: 2}  # messages per local hour: evenings, a few lunches
EVERY_DAY = {d: 3 for d in range(7)}


def test_receptivity_applies_the_seeds_modifiers():
    tue, sat = datetime(2026, 3, 10), datetime(2026, 3, 14)  # a Tuesday, a Saturday
    # 20:00 on a Tuesday: busiest hour (1.0 * 0.7) + any day (1.0 * 0.3), no modifier.
    assert predict_receptivity(tue.replace(hour=20), EVENINGS, EVERY_DAY, None) == pytest.approx(1.0)
    # Sleep hours x0.2 (23:00 through 07:59, as the seed's `hour >= 23 or hour <= 7`).
    assert predict_receptivity(tue.replace(hour=7), {7: 5}, EVERY_DAY, None) == pytest.approx(0.2)
    # Weekday work hours x0.8; weekend afternoons x1.2 (clamped at 1).
    assert predict_receptivity(tue.replace(hour=12), EVENINGS, EVERY_DAY, None) == pytest.approx((0.2 * 0.7 + 0.3) * 0.8)
    assert predict_receptivity(sat.replace(hour=12), EVENINGS, EVERY_DAY, None) == pytest.approx((0.2 * 0.7 + 0.3) * 1.2)
    # No history: 0.5 everywhere; within 12 h of the last proactive message x hours/12.
    assert predict_receptivity(tue.replace(hour=20), {}, {}, None) == pytest.approx(0.5)
    assert predict_receptivity(tue.replace(hour=20), EVENINGS, EVERY_DAY, 3.0) == pytest.approx(0.25)


def test_the_optimal_time_is_the_first_best_hour_of_the_next_48():
    now = datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)  # Tuesday 14:00 UTC = 15:00 in Berlin
    best = optimal_conversation_time(now, "Europe/Berlin", EVENINGS, EVERY_DAY, None)
    assert best == datetime(2026, 3, 10, 19, 0, tzinfo=timezone.utc)  # 20:00 Berlin, today (not tomorrow's tie)
    # A proactive message an hour ago pushes today's evening below tomorrow's.
    assert optimal_conversation_time(now, "Europe/Berlin", EVENINGS, EVERY_DAY,
                                     now - timedelta(hours=1)) == datetime(2026, 3, 11, 19, 0, tzinfo=timezone.utc)


def test_no_optimal_time_without_ten_messages_or_without_a_good_hour():
    now = datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)
    assert optimal_conversation_time(now, "UTC", {20: 9}, EVERY_DAY, None) is None
    assert optimal_conversation_time(now, "UTC", {3: 12}, EVERY_DAY, None) is None  # night owl: x0.2 at best


def test_after_a_decline_wait_for_the_optimal_time_unless_a_need_turns_urgent_first():
    now = datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)
    hour = timedelta(hours=1)
    optimal = now + timedelta(hours=29)
    assert recheck_after_decline(now, optimal, None, floor=hour, fallback=hour) == optimal
    assert recheck_after_decline(now, optimal, 6.5, floor=hour, fallback=hour) == now + timedelta(hours=6.5)
    assert recheck_after_decline(now, None, None, floor=hour, fallback=hour) == now + hour
    assert recheck_after_decline(now, now + timedelta(minutes=10), 0.2, floor=hour, fallback=hour) == now + hour
