"""Needs move the mood, need patterns set their thresholds, a dropped habit fades faster: through
the real path (signed interactions -> handler -> queue -> worker; the schedules through their real
handlers and the job worker, `LocalRuntime.wait`), on a simulated clock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from companion.domain.needs import MAX_NEED_PULL
from companion.local.runtime import LocalRuntime

START = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)  # a Monday, noon UTC


@pytest.fixture
def rt(tmp_path, database_url, embedder):
    runtime = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                           frozen_at=START)
    yield runtime
    runtime.close()


def say(rt, user, message, *, wait=timedelta(minutes=2)):
    rt.wait(wait)
    [reply] = rt.send("companion", {"message": message}, user_id=user).replies
    return reply


def mood(rt, user):
    return rt.container.personality.current(user, rt.clock())


def last_interaction(rt, user):
    [i] = rt.container.interaction_repo.recent_exchanges(user, 1)
    return i


def test_a_companion_left_alone_for_days_is_lower_in_pleasure_and_a_conversation_lifts_it(rt):
    say(rt, "alone", "Hi, how are you?")
    rt.send("settings", {"proactive": "off"}, user_id="alone")  # alone means alone: no outreach either
    baseline = mood(rt, "alone").baseline
    rt.wait(timedelta(hours=4))
    assert mood(rt, "alone").pad.pleasure == pytest.approx(baseline.pleasure, abs=0.02)  # needs not urgent yet

    rt.wait(timedelta(days=3))  # every schedule runs: hourly need growth, reflections in the user's nights
    lonely = mood(rt, "alone")
    assert all(n.is_urgent for n in rt.container.personality.current_needs("alone", rt.clock()))
    assert lonely.pad.pleasure == pytest.approx(baseline.pleasure - MAX_NEED_PULL, abs=0.01)
    # The nightly reflection recorded it: the history shows the companion getting lower each night.
    history = rt.container.profile_repo.pad_history("alone", START)
    relaxations = [p for p in history if p.at > START + timedelta(hours=5)]
    assert len(relaxations) >= 2 and relaxations[-1].pad.pleasure < baseline.pleasure - 0.2
    card = rt.send("personality", {}, user_id="alone").replies[0]
    assert "⚠ urgent" in card

    before = lonely.pad.pleasure
    say(rt, "alone", "Hey, I'm back! How have you been?")  # neutral news: the lift is the need met
    turn = last_interaction(rt, "alone")
    assert turn.pad_after["pleasure"] > turn.pad_before["pleasure"] + 0.03  # social and intellectual met
    for message in ("Sorry I was away so long.", "Tell me what you have been thinking about."):
        say(rt, "alone", message)
    lifted = mood(rt, "alone").pad.pleasure
    assert lifted > before + 0.1
    why = rt.send("why", {}, user_id="alone").replies[0]
    assert "need, which lifted my mood" in why and "weighing on my mood" in why


def test_need_patterns_move_the_trigger_thresholds_each_night_within_bounds(rt):
    for day in range(3):
        for message in ("Good morning! How are you?", "Lunch was great today.", "What a long day.",
                        "Good night, talk tomorrow."):
            say(rt, "regular", message, wait=timedelta(hours=2))
        rt.wait(timedelta(hours=24 - 8))
    needs = {n.need_type: n for n in rt.container.personality.current_needs("regular", rt.clock())}
    # Met 4 times a day: missed sooner; creative talk never came up: the companion got used to it.
    assert needs["social"].trigger_threshold == pytest.approx(0.7)
    assert needs["creative"].trigger_threshold == pytest.approx(0.9)
    evolution = rt.container.quirk_repo.evolutions("regular", limit=1)[0]
    assert evolution["needs_patterns"]["social"]["trigger_threshold"]["after"] == pytest.approx(0.7)
    api = rt.container.personality.current_needs("regular", rt.clock())
    assert {n.need_type: n.trigger_threshold for n in api}["rest"] >= 0.7


def test_a_habit_the_user_dropped_fades_faster_than_one_left_by_someone_away(rt):
    for user in ("dropped", "away"):
        rt.send("settings", {"proactive": "off"}, user_id=user)
    for day in range(3):
        for user in ("dropped", "away"):
            for message in ("morning!! 😀 coffee time", "I love this song 🎶", "walk time 🌞"):
                say(rt, user, message, wait=timedelta(minutes=30))
        rt.wait(timedelta(hours=24 - 3))

    def emoji(user):
        return {q.name: q for q in rt.container.quirk_repo.get_quirks(user)}["uses_emoji_frequently"]

    start = {u: emoji(u).strength for u in ("dropped", "away")}
    assert start["dropped"] == start["away"] >= 0.15  # emerged, then strengthened by the nights
    for day in range(3):  # "dropped" keeps talking, without emoji; "away" is silent
        for message in ("morning, coffee time", "this song again", "going for a walk now", "back home"):
            say(rt, "dropped", message, wait=timedelta(minutes=30))
        rt.wait(timedelta(hours=24 - 2))
    away, dropped = emoji("away"), emoji("dropped")
    assert away.strength >= start["away"]  # silence: the 7-day rule has not come yet
    assert dropped.strength <= away.strength - 0.1 + 1e-9 and dropped.strength < start["dropped"]
    updates = [u for e in rt.container.quirk_repo.evolutions("dropped", limit=5) for u in e["quirk_updates"]]
    assert any(u["quirk"] == "uses_emoji_frequently" and u.get("reason") == "contradicted" for u in updates)
