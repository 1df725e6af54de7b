"""Quirk detection and the seed's lifecycle (emergence 3x & > 0.7 -> 0.1; +0.05 nightly when seen
within a day; -0.1 after 7+ days unseen; deactivated below 0.05)."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from companion.domain.quirks import (
    Exchange, Pattern, detect_patterns, develop, emerge, evolve, has_emoji, topic_words,
)

T0 = datetime(2026, 3, 2, 14, tzinfo=timezone.utc)


def exchanges(*messages, start=T0, reply="Nice."):
    return [Exchange(m, reply, start + timedelta(minutes=5 * i)) for i, m in enumerate(messages)]


def by_name(patterns):
    return {p.name: p for p in patterns}


def test_emoji_pattern_emerges_after_three_in_a_row():
    two = by_name(detect_patterns(exchanges("hi there 😀", "lol 😂 yes")))
    assert two["uses_emoji_frequently"].occurrences == 2 and not two["uses_emoji_frequently"].can_emerge
    three = by_name(detect_patterns(exchanges("hi there 😀", "lol 😂 yes", "ok 👍")))
    p = three["uses_emoji_frequently"]
    assert (p.occurrences, p.confidence, p.can_emerge) == (3, 0.75, True)


def test_a_pattern_counts_from_its_first_appearance():
    flags = exchanges("plain message here ok", "another plain one here", "now 😀", "yes 😀", "sure 😀")
    assert by_name(detect_patterns(flags))["uses_emoji_frequently"].can_emerge
    patchy = exchanges("now 😀", "plain message", "plain again", "yes 😀", "sure 😀")
    assert not by_name(detect_patterns(patchy))["uses_emoji_frequently"].can_emerge  # 3 of 5: 0.5


def test_detector_sees_length_greetings_time_topics_and_the_companions_own_habit():
    night = datetime(2026, 3, 2, 23, 10, tzinfo=timezone.utc)
    found = by_name(detect_patterns(
        exchanges("hey, my dog ate my sock", "hello! the dog is sleeping", "hi, walked the dogs today",
                  start=night, reply="Really? What happened next?")
    ))
    assert found["greets_warmly"].can_emerge
    assert found["prefers_short_responses"].can_emerge
    assert not found["night_owl"].can_emerge  # one late session is not a habit: days count
    assert found["asks_follow_up_questions"].can_emerge
    assert found["brings_up_dog"].occurrences == 3 and found["brings_up_dog"].can_emerge


def test_night_owl_needs_three_late_days():
    late = [Exchange("still up", "Me too.", datetime(2026, 3, d, 23, 30, tzinfo=timezone.utc)) for d in (2, 3, 4)]
    assert by_name(detect_patterns(late))["night_owl"].can_emerge
    assert by_name(detect_patterns(late[:2]))["night_owl"].occurrences == 2


def test_one_quirk_emerges_per_turn_the_most_confident_first():
    patterns = [Pattern("a_habit", "behavior", "a", 3, 0.75, T0), Pattern("b_habit", "behavior", "b", 5, 0.83, T0)]
    [new] = develop({}, patterns, T0, only_observed_now=True, max_new=1)
    assert new.name == "b_habit"
    assert len(develop({}, patterns, T0, only_observed_now=True)) == 2


def test_emoji_and_topic_helpers():
    assert has_emoji("great :)") and has_emoji("🎉") and not has_emoji("a:b")
    assert topic_words("The dogs and the cats, really") == {"dog", "cat"}


def test_lifecycle_emergence_reinforcement_and_decay_with_the_seeds_numbers():
    pattern = Pattern("uses_emoji_frequently", "speech_pattern", "emoji", 3, 0.75, T0)
    quirk = emerge(pattern, T0)
    assert quirk.strength == 0.1 and quirk.is_active
    assert emerge(Pattern("x", "behavior", "x", 2, 0.9, T0), T0) is None
    assert emerge(Pattern("x", "behavior", "x", 5, 0.7, T0), T0) is None  # needs > 0.7

    stronger = evolve(quirk, T0 + timedelta(hours=20))  # observed within a day
    assert stronger.strength == pytest.approx(0.15)
    assert evolve(quirk, T0 + timedelta(days=3)) == quirk  # 2-6 days: unchanged
    weaker = evolve(stronger, T0 + timedelta(days=7))
    assert weaker.strength == pytest.approx(0.05) and weaker.is_active
    gone = evolve(quirk, T0 + timedelta(days=8))
    assert gone.strength == 0.0 and not gone.is_active


def test_strength_never_exceeds_one():
    quirk = emerge(Pattern("q", "behavior", "q", 3, 0.8, T0), T0)
    for day in range(40):
        quirk = evolve(quirk, T0 + timedelta(hours=1))
    assert quirk.strength == 1.0


def test_develop_observes_active_quirks_and_revives_inactive_ones():
    pattern = Pattern("greets_warmly", "behavior", "greets", 3, 0.75, T0 + timedelta(days=10))
    active = emerge(Pattern("greets_warmly", "behavior", "greets", 3, 0.75, T0), T0)
    [seen] = develop({"greets_warmly": active}, [pattern], T0 + timedelta(days=10), only_observed_now=True)
    assert seen.last_reinforced == T0 + timedelta(days=10) and seen.strength == 0.1
    assert seen.reinforcement_count == 1
    inactive = evolve(active, T0 + timedelta(days=8))
    [revived] = develop({"greets_warmly": inactive}, [pattern], T0 + timedelta(days=10), only_observed_now=True)
    assert revived.is_active and revived.strength == 0.1 and revived.first_observed == T0
    # per turn, a pattern the latest exchange does not show changes nothing
    assert develop({}, [pattern], T0 + timedelta(days=11), only_observed_now=True) == []


from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=100, deadline=None)
@given(nights=st.lists(st.tuples(st.booleans(), st.integers(0, 20)), max_size=30))
def test_no_sequence_of_sightings_and_nights_leaves_strength_zero_to_one(nights):
    now = T0
    quirk = emerge(Pattern("q", "behavior", "q", 3, 0.8, now), now)
    for seen, days in nights:
        now += timedelta(days=days)
        if seen and quirk.is_active:
            changed = develop({"q": quirk}, [Pattern("q", "behavior", "q", 3, 0.8, now)], now, only_observed_now=True)
            quirk = changed[0] if changed else quirk
        quirk = evolve(quirk, now + timedelta(hours=1))
        assert 0.0 <= quirk.strength <= 1.0
        assert not quirk.is_active or quirk.strength >= 0.05  # an active quirk is never below 0.05


# --- a habit the user dropped fades faster (the seed's contradicting-pattern rule) -----------------

def _quirk(name: str, last: datetime, strength: float = 0.3):
    from companion.domain.quirks import CATALOG, Quirk

    category, description = CATALOG[name]
    return Quirk(name, category, description, strength, 0.8, last - timedelta(days=10), last)


def test_a_dropped_habit_is_contradicted_and_loses_a_tenth_each_night():
    from companion.domain.quirks import contradicted, evolve

    last_emoji = datetime(2026, 3, 1, 20, tzinfo=timezone.utc)
    now = last_emoji + timedelta(days=3)
    quirk = _quirk("uses_emoji_frequently", last_emoji)
    plain = [Exchange(f"just a plain message number {i}", "ok", now - timedelta(hours=40 - 8 * i)) for i in range(5)]
    assert contradicted(quirk, plain, now)
    weaker = evolve(quirk, now, contradicted=True)
    assert weaker.strength == pytest.approx(0.2) and weaker.is_active
    assert evolve(quirk, now) == quirk  # without the contradiction: day 3, nothing yet (the 7-day rule)


def test_no_contradiction_without_enough_talk_or_when_away_or_when_seen_recently():
    from companion.domain.quirks import contradicted

    last = datetime(2026, 3, 1, 20, tzinfo=timezone.utc)
    now = last + timedelta(days=3)
    quirk = _quirk("uses_emoji_frequently", last)
    few = [Exchange("plain", "ok", now - timedelta(hours=h)) for h in (30, 20, 10, 5)]
    assert not contradicted(quirk, few, now)  # 4 exchanges are not enough to call it dropped
    away = [Exchange("plain", "ok", last + timedelta(hours=h)) for h in (1, 2, 3, 4, 5)]
    assert not contradicted(quirk, away, now)  # talked, then went quiet: silence is the 7-day rule's
    recent = _quirk("uses_emoji_frequently", now - timedelta(hours=20))
    assert not contradicted(recent, [Exchange("plain", "ok", now - timedelta(hours=h)) for h in range(1, 8)], now)
    topic = replace(quirk, name="brings_up_dog")
    assert not contradicted(topic, [Exchange("cats", "ok", now - timedelta(hours=h)) for h in range(1, 8)], now)


def test_a_night_owl_turned_early_bird_is_contradicted():
    from companion.domain.quirks import contradicted

    last_night = datetime(2026, 3, 1, 23, tzinfo=timezone.utc)
    now = datetime(2026, 3, 5, 12, tzinfo=timezone.utc)
    owl = _quirk("night_owl", last_night)
    mornings = [Exchange("good morning", "hi", datetime(2026, 3, d, 7, tzinfo=timezone.utc)) for d in (2, 3, 4, 5)]
    assert contradicted(owl, mornings, now)
    afternoons = [Exchange("hello", "hi", datetime(2026, 3, d, 15, tzinfo=timezone.utc)) for d in (2, 3, 4)] + [
        Exchange("hello", "hi", datetime(2026, 3, 5, 11, tzinfo=timezone.utc))]
    assert not contradicted(owl, afternoons, now)  # daytime chat does not take back the nights
