"""The /personality embed and its text rendering; trends and sparklines; needs met by topic."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from companion.domain.needs import Need, initial_needs, needs_met_by_message
from companion.domain.pad import PAD
from companion.domain.personality_card import bar, embed_as_text, personality_embed
from companion.domain.quirks import Quirk
from companion.domain.trends import MoodPoint, daily_means, emotional_trend, slope_per_day, sparkline, volatility

NOW = datetime(2026, 3, 9, 12, tzinfo=timezone.utc)


def test_bars_and_sparkline_are_drawn_to_scale():
    assert bar(0.0) == "░" * 10 and bar(1.0) == "█" * 10 and bar(0.55) == "██████░░░░"
    assert sparkline([-1.0, 0.0, 1.0, None]) == "▁▅█·"


def test_trend_slope_per_day_and_volatility():
    times = [NOW + timedelta(days=d) for d in range(4)]
    assert slope_per_day(times, [0.0, 0.1, 0.2, 0.3]) == pytest.approx(0.1)
    assert volatility([0.0, 0.1, 0.2, 0.3]) == pytest.approx(0.0)
    assert volatility([0.0, 0.5, 0.0, 0.5]) > 0.5
    rising = emotional_trend([MoodPoint(t, PAD(0.1 * i, 0, 0)) for i, t in enumerate(times)])
    assert rising.arrow == "↗" and rising.direction == "brightening"
    assert emotional_trend([]).arrow == "→"


def test_daily_means_bucket_the_last_week_oldest_first():
    history = [MoodPoint(NOW - timedelta(days=6, hours=1), PAD(-0.5, 0, 0)), MoodPoint(NOW - timedelta(hours=1), PAD(0.4, 0, 0)),
               MoodPoint(NOW - timedelta(hours=2), PAD(0.2, 0, 0)), MoodPoint(NOW - timedelta(days=9), PAD(1, 0, 0))]
    week = daily_means(history, NOW)
    assert week[0] == -0.5 and week[-1] == pytest.approx(0.3) and week[1:6] == [None] * 5


def test_personality_embed_has_fields_bars_urgent_needs_quirks_and_the_week():
    needs = [Need("rest", 0.95, decay_rate=0.04), Need("social", 0.4, decay_rate=0.03)]
    quirk = Quirk("uses_emoji_frequently", "speech_pattern", "Sprinkles emoji", 0.15, 0.8, NOW, NOW)
    faded = Quirk("night_owl", "behavior", "Late", 0.0, 0.8, NOW, NOW, is_active=False)
    embed = personality_embed(
        pad=PAD(0.3, 0.2, 0.1), baseline=PAD(0.1, -0.1, 0.1),
        traits={"openness": 0.7, "conscientiousness": 0.4, "extraversion": 0.6, "agreeableness": 0.5, "neuroticism": 0.3},
        needs=needs, quirks=[quirk, faded], week=[None, 0.1, 0.2, None, 0.3, 0.3, 0.4],
        trend=emotional_trend([MoodPoint(NOW - timedelta(days=3), PAD(0.1, 0, 0)), MoodPoint(NOW, PAD(0.4, 0, 0))]),
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "exuberant" in fields["Mood"] and "relaxed" in fields["Temperament"]
    assert "Openness" in fields["Big Five"] and "███████░░░ 0.70" in fields["Big Five"]
    assert "Rest" in fields["Needs"] and "⚠ urgent" in fields["Needs"].splitlines()[1]
    assert "⚠" not in fields["Needs"].splitlines()[2]
    assert "uses emoji frequently" in fields["Quirks"] and "0.15" in fields["Quirks"] and "night owl" not in fields["Quirks"]
    assert "↗" in fields["This week"]
    assert all(len(v) <= 1024 for v in fields.values()) and len(json.dumps(embed)) <= 6000
    text = embed_as_text(embed)
    assert "Big Five:" in text and "```" not in text and "**" not in text


def test_empty_quirks_say_so():
    embed = personality_embed(pad=PAD(), baseline=PAD(), traits={"openness": 0.5}, needs=initial_needs(), quirks=[],
                              week=[None] * 7, trend=emotional_trend([]))
    assert "None yet" in {f["name"]: f["value"] for f in embed["fields"]}["Quirks"]


@pytest.mark.parametrize("message, hour, met", [
    ("hi", 14, {"social"}),
    ("Why is the sky blue?", 14, {"social", "intellectual"}),
    ("I wrote a short story last night", 14, {"social", "creative"}),
    ("Thank you, you're the best", 14, {"social", "validation"}),
    ("can't sleep, just chatting", 2, {"social", "rest"}),
    ("I'm going to relax on the couch", 14, {"social", "rest"}),
    ("let's go to the party, then the restaurant", 14, {"social"}),  # not "art", not "rest"
])
def test_interactions_meet_the_needs_they_are_about(message, hour, met):
    assert needs_met_by_message(message, hour) == met
