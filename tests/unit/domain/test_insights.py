"""Reflection that learns: conversation patterns, behaviour changes, emotional cycles and the
insights built from them (domain/insights.py), on hand-made weeks."""
from datetime import datetime, timedelta, timezone

from companion.domain.insights import (
    LoggedTurn, behaviour_changes, conversation_patterns, emotional_cycles, user_insights,
)
from companion.domain.pad import PAD
from companion.domain.trends import MoodPoint

UTC = timezone.utc
NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # a Monday night


def evenings(days, per_day=3, message="Work was long today but the cello practice went well",
             start=NOW - timedelta(days=14), hour=19, pleasure=0.2):
    turns = []
    for d in days:
        for i in range(per_day):
            at = start + timedelta(days=d, hours=hour - start.hour, minutes=5 * i)
            turns.append(LoggedTurn(at, message, "Lovely!", f"s{d}", False, pleasure))
    return turns


def by_type(patterns):
    out = {}
    for p in patterns:
        out.setdefault(p["pattern_type"], []).append(p)
    return out


def test_no_patterns_from_fewer_than_ten_interactions():
    assert conversation_patterns(evenings(range(3)), NOW) == []


def test_when_how_long_and_what_about():
    patterns = by_type(conversation_patterns(evenings(range(14)), NOW))
    [when] = [p for p in patterns["temporal_patterns"] if "part_of_day" in p["metadata"]]
    assert when["metadata"]["part_of_day"] == "evening" and when["confidence"] == 1.0
    assert any(p["description"] == "short conversations" for p in patterns["length_preferences"])
    [topics] = patterns["topic_cycling"]
    assert {"cello", "practice"} <= set(topics["metadata"]["topics"])
    assert all(p["confidence"] > 0.6 for ps in patterns.values() for p in ps)


def test_who_starts_and_how_quickly_they_answer():
    turns = []
    for d in range(6):
        at = NOW - timedelta(days=6 - d, hours=5)
        turns.append(LoggedTurn(at, "", "Hey! How was your day?", f"p{d}", True))
        turns.append(LoggedTurn(at + timedelta(minutes=20), "Pretty good thanks", "Glad!", f"p{d}"))
        turns.append(LoggedTurn(at + timedelta(minutes=25), "Going to bed now", "Night!", f"p{d}"))
    patterns = by_type(conversation_patterns(turns, NOW))
    [who] = patterns["initiation_patterns"]
    assert who["description"] == "the companion starts our conversations"
    [answers] = patterns["response_timing"]
    assert answers["metadata"] == {"response_rate": 1.0, "median_minutes_to_answer": 20.0}
    texts = [i["text"] for i in user_insights(conversation_patterns(turns, NOW), {}, {}, None)]
    assert "You answer when I write first, usually within 20 minutes." in texts
    assert "I'm usually the one who starts our conversations." in texts


def test_behaviour_changes_this_week_against_the_last():
    last = evenings(range(0, 7), per_day=1, message="hi", pleasure=-0.1)
    this = evenings(range(7, 14), per_day=3, hour=8, pleasure=0.3,
                    message="I started running in the mornings and it makes me feel great about the day")
    analysis = behaviour_changes(last + this, NOW)
    kinds = {c["kind"]: c for c in analysis["detected_changes"]}
    assert analysis["status"] == "analysed"
    assert kinds["response_length_changes"]["description"] == "longer messages"
    assert kinds["emotional_pattern_shifts"]["after"] == 0.3
    assert "running" in kinds["interest_topic_evolution"]["after"]
    assert any(c["description"] == "writes more often than the week before" for c in analysis["detected_changes"])
    assert any(c["description"].startswith("now writes mostly in the morning") for c in analysis["detected_changes"])
    texts = [i["text"] for i in user_insights([], analysis, {}, None)]
    assert "You've been writing more this week than last." in texts and len(texts) <= 5


def test_too_little_this_week_is_insufficient_data():
    analysis = behaviour_changes(evenings(range(0, 7)) + evenings([13], per_day=2), NOW)
    assert analysis["status"] == "insufficient_data" and analysis["detected_changes"] == []


def test_a_steady_week_has_no_changes():
    analysis = behaviour_changes(evenings(range(14), per_day=2), NOW)
    assert analysis["status"] == "analysed" and analysis["detected_changes"] == []


def test_daily_and_weekly_emotional_cycles():
    points = []
    for d in range(14):
        day = NOW - timedelta(days=14 - d)
        weekend = (day.weekday() >= 5)
        points.append(MoodPoint(day.replace(hour=8), PAD(-0.2 + (0.3 if weekend else 0), 0, 0)))
        points.append(MoodPoint(day.replace(hour=20), PAD(0.3 + (0.3 if weekend else 0), 0, 0)))
    cycles = emotional_cycles(points, UTC)
    assert cycles["daily"]["detected"] and cycles["daily"]["peak"] == "evening" and cycles["daily"]["trough"] == "morning"
    assert cycles["weekly"]["detected"] and cycles["weekly"]["peak"] == "weekend"
    texts = [i["text"] for i in user_insights([], {}, cycles, None)]
    assert texts[0] == "My mood tends to be brightest in the evenings." and "My mood tends to be brightest at weekends." in texts
    flat = emotional_cycles([MoodPoint(p.at, PAD(0.1, 0, 0)) for p in points], UTC)
    assert not flat["daily"]["detected"] and not flat["weekly"]["detected"]


def test_cycles_need_points_on_two_days():
    one_day = [MoodPoint(NOW - timedelta(hours=h), PAD(0.5 if h < 6 else -0.5, 0, 0)) for h in range(12)]
    assert not emotional_cycles(one_day, UTC)["daily"]["detected"]
