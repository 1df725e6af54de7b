"""Personality that lives, through the real path (signed interaction -> interactions handler ->
queue -> worker -> PostgreSQL -> reply), with a frozen clock the test moves by hand."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from companion.adapters.offline_models import OfflineReplyModel
from companion.domain.personality import generate_big_five

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # a Monday afternoon
CHEERFUL = ("bright and lively", "calm and content", "feeling exuberant", "feeling relaxed",
            "feeling bored", "feeling sleepy", "mellow, quiet mood", "restless")
GLOOMY = ("feeling a bit low", "feeling depressed", "on edge", "somewhat tense", "subdued",
          "feeling stressed", "feeling anxious")


class FrozenClock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


class RecordingReplyModel(OfflineReplyModel):
    """The offline responder, keeping every context it was given (what a real model would read)."""

    def __init__(self):
        self.contexts = []

    def reply(self, context):
        self.contexts.append(context)
        return super().reply(context)

    @property
    def last_prompt(self) -> str:
        return self.contexts[-1].messages[0]["content"]


@pytest.fixture
def live(tmp_path, database_url, embedder):
    from companion.local.runtime import LocalRuntime

    model = RecordingReplyModel()
    rt = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                      overrides={"reply_model": model})
    rt.clock = rt.container.clock = FrozenClock(T0)
    rt.model = model
    yield rt
    rt.close()


def say(rt, user, message, minutes=3):
    rt.clock.advance(minutes=minutes)
    [reply] = rt.send("companion", {"message": message}, user_id=user).replies
    return reply


def mood(rt, user):
    return rt.container.personality.current(user, rt.clock.now)


def personality_card(rt, user) -> str:
    [text] = rt.send("personality", {}, user_id=user).replies
    return text


def test_praise_and_failure_move_mood_and_after_a_night_the_temperament(live):
    start = {u: None for u in ("praised", "failed")}
    for user in start:
        live.send("personality", {}, user_id=user)  # creates the companion
        start[user] = mood(live, user)
    for _ in range(20):
        say(live, "praised", "You're great, thank you for helping me!")
        say(live, "failed", "I failed my exam again, it didn't work")
    praised, failed = mood(live, "praised"), mood(live, "failed")
    assert praised.pad.pleasure > start["praised"].pad.pleasure + 0.5
    assert failed.pad.pleasure < start["failed"].pad.pleasure - 0.5

    night = live.clock.advance(hours=10)
    for user, direction in (("praised", 1), ("failed", -1)):
        result = live.container.personality.evolve(user, night)
        assert result.interactions_in_window == 20
        moved = result.baseline_after.pleasure - result.baseline_before.pleasure
        assert direction * moved > 0.003  # 1 % of a gap of ~0.5 or more
        assert result.trend.points >= 20


def test_a_quiet_day_lets_the_mood_relax_to_the_baseline_and_the_night_records_it(live):
    for _ in range(6):
        say(live, "u1", "You're great, thank you!")
    excited = mood(live, "u1")
    assert excited.pad.pleasure - excited.baseline.pleasure > 0.5
    live.clock.advance(hours=24)
    calm = mood(live, "u1")
    assert abs(calm.pad.pleasure - calm.baseline.pleasure) < 0.1 * abs(excited.pad.pleasure - excited.baseline.pleasure)

    live.container.personality.evolve("u1", live.clock.now)
    stored = live.container.profile_repo.get_personality("u1")
    assert stored.pad == calm.pad and stored.updated_at == live.clock.now  # the relaxed mood, as a history row


def test_pad_history_is_kept_with_exactly_one_current_row(live, database_url):
    for message in ("Hello!", "I got a new puppy today!", "I failed my test"):
        say(live, "u1", message)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT is_current, trigger_event FROM personality_state WHERE user_id = 'u1' ORDER BY id"
        ).fetchall()
        assert [r[0] for r in rows] == [False, False, False, True]
        assert rows[0][1] == "created" and rows[-1][1] == "interaction:goal_failure"
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("UPDATE personality_state SET is_current = TRUE WHERE user_id = 'u1'")


def test_needs_left_alone_for_40_hours_cross_the_threshold_rest_first_and_reach_the_prompt(live):
    live.send("personality", {}, user_id="lonely")  # created, never talked to
    crossed = []
    for _ in range(40):
        now = live.clock.advance(hours=1)
        live.container.personality.grow_all_needs(now)  # the hourly schedule: one statement
        for need in live.container.needs_repo.get_needs("lonely"):
            if need.is_urgent and need.need_type not in crossed:
                crossed.append(need.need_type)
    assert crossed == ["rest", "social", "validation", "intellectual", "creative"]
    levels = {n.need_type: n.current_level for n in live.container.needs_repo.get_needs("lonely")}
    assert levels["rest"] == 1.0 and levels["creative"] == pytest.approx(min(1.0, 0.5 + 40 * 0.015))

    assert "⚠ urgent" in personality_card(live, "lonely")
    say(live, "lonely", "Hello again")
    assert "CURRENT NEEDS: " in live.model.last_prompt
    needs_line = next(l for l in live.model.last_prompt.splitlines() if l.startswith("CURRENT NEEDS:"))
    assert "rest (1.0)" in needs_line and "creative (1.0)" in needs_line


def test_needs_are_read_grown_to_now_between_schedules(live):
    live.send("personality", {}, user_id="u1")
    live.clock.advance(hours=5)
    lazily = {n.need_type: n.current_level for n in live.container.personality.current_needs("u1", live.clock.now)}
    assert lazily["rest"] == pytest.approx(0.5 + 5 * 0.04)


def test_interactions_satisfy_the_needs_they_are_about(live):
    live.send("personality", {}, user_id="u1")
    say(live, "u1", "I wrote a poem about the sea, thank you for listening!")
    levels = {n.need_type: n.current_level for n in live.container.needs_repo.get_needs("u1")}
    assert levels["creative"] < 0.5 and levels["validation"] < 0.5 and levels["social"] < 0.5
    assert levels["rest"] > 0.5  # an afternoon chat about poems is no rest (it grew meanwhile)


def test_late_night_is_the_users_own_night_in_their_time_zone(live):
    """15:00 UTC is midnight in Tokyo: a chat then is late-night rest for a user there, and
    three such nights make a night owl, though none of them is late in UTC."""
    for user, zone in (("tokyo", "Asia/Tokyo"), ("utc", "UTC")):
        live.send("settings", {"timezone": zone}, user_id=user)
    say(live, "tokyo", "what a day at the office")
    say(live, "utc", "what a day at the office")
    levels = {u: {n.need_type: n.current_level for n in live.container.needs_repo.get_needs(u)}
              for u in ("tokyo", "utc")}
    assert levels["tokyo"]["rest"] < 0.5 < levels["utc"]["rest"]
    for message in ("the neighbours are loud again", "finally finished that puzzle"):
        live.clock.advance(days=1)
        say(live, "tokyo", message)
    assert "night_owl" in {q.name for q in live.container.personality.active_quirks("tokyo")}


def test_a_quirk_emerges_after_three_times_shows_everywhere_and_fades_after_a_quiet_week(live):
    say(live, "u1", "morning!! 😀 coffee time")
    say(live, "u1", "I love this song 🎶 so much")
    assert "uses emoji frequently" not in personality_card(live, "u1")
    third = say(live, "u1", "going for a walk now 🌞 bye")
    assert not third.endswith("😊")  # the habit forms from this exchange: it shows from the next one
    card = personality_card(live, "u1")
    assert "uses emoji frequently" in card and "0.10" in card
    reply = say(live, "u1", "what should I cook tonight?")
    assert "uses_emoji_frequently (strength: 0.1)" in live.model.last_prompt
    assert reply.endswith("😊")  # the quirk shows in the offline reply

    night = live.clock.advance(hours=8)
    result = live.container.personality.evolve("u1", night)
    assert {"quirk": "uses_emoji_frequently", "action": "strengthened", "old_strength": 0.1,
            "new_strength": 0.15} in result.quirk_updates

    later = live.clock.advance(days=8)
    result = live.container.personality.evolve("u1", later)
    assert any(u["quirk"] == "uses_emoji_frequently" and u["action"] in ("weakened", "deactivated")
               for u in result.quirk_updates)
    live.container.personality.evolve("u1", live.clock.advance(days=1))
    assert "uses emoji frequently" not in personality_card(live, "u1")
    say(live, "u1", "hello")
    assert "uses_emoji_frequently" not in live.model.last_prompt


def _users_by_neuroticism():
    ranked = sorted((generate_big_five(f"user{i}").neuroticism, f"user{i}") for i in range(200))
    return ranked[0][1], ranked[-1][1]


def test_two_companions_with_different_traits_react_measurably_differently(live):
    stable, neurotic = _users_by_neuroticism()
    trajectories = {}
    for user in (stable, neurotic):
        live.clock.now = T0
        live.send("personality", {}, user_id=user)
        points = []
        for message in ("I failed my driving test", "My boss yelled at me, I feel awful",
                        "I couldn't sleep at all", "Everything went wrong today"):
            say(live, user, message, minutes=90)
            points.append(mood(live, user).pad)
        live.clock.advance(hours=3)
        points.append(mood(live, user).pad)
        trajectories[user] = points
    # The same three hours later, the neurotic companion is still further from its temperament.
    gap = {u: abs(p[-1].pleasure - mood(live, u).baseline.pleasure) for u, p in trajectories.items()}
    assert gap[neurotic] > gap[stable] + 0.05
    assert trajectories[neurotic] != trajectories[stable]


def test_after_a_clearly_sad_message_the_reply_is_sympathetic_and_never_cheerful(live):
    for _ in range(4):
        say(live, "u1", "You're wonderful, thank you so much!")  # an exuberant companion
    before = mood(live, "u1").pad
    reply = say(live, "u1", "I feel terrible, my dad is in the hospital")
    after = mood(live, "u1").pad
    assert before.pleasure - after.pleasure >= 0.2  # a strong event moves PAD visibly
    assert any(s in reply for s in ("sorry", "hard", "rough", "with you", "heart goes out"))
    assert not any(c in reply for c in CHEERFUL)
    prompt = live.model.last_prompt
    assert "WHAT THEIR MESSAGE MEANS TO THEM: bad news for them" in prompt and "sorry-for" in prompt


def test_after_clearly_happy_news_the_reply_does_not_sound_sad(live):
    for _ in range(4):
        say(live, "u1", "I failed again, it's impossible")  # a low companion
    reply = say(live, "u1", "I got promoted today, I'm so happy!!")
    assert not any(g in reply for g in GLOOMY)
    assert "WHAT THEIR MESSAGE MEANS TO THEM: good news for them" in live.model.last_prompt


def test_personality_is_a_discord_embed_with_fields_bars_and_a_trend(live):
    for message in ("You're great, thank you!", "I got a new puppy today!"):
        say(live, "u1", message)
    live.send("personality", {}, user_id="u1")
    [sent] = list(live.sink.bodies.values())[-1]  # the last interaction's only edit
    [embed] = sent["embeds"]
    names = [f["name"] for f in embed["fields"]]
    assert names == ["Mood", "Temperament", "This week", "Big Five", "Needs", "Quirks", "What I've noticed"]
    assert "█" in embed["fields"][3]["value"] and "Openness" in embed["fields"][3]["value"]
    assert any(arrow in embed["fields"][2]["value"] for arrow in "↗↘→")
    assert sent["allowed_mentions"] == {"parse": []}
    assert len(json.dumps(embed)) < 6000


def test_a_high_severity_threat_costs_the_companion_the_seeds_penalty(live):
    say(live, "u1", "Hello there")
    before = mood(live, "u1").pad
    live.clock.advance(minutes=1)
    assert live.container.personality.apply_threat("u1", "medium", live.clock.now) == mood(live, "u1").pad
    upset = live.container.personality.apply_threat("u1", "high", live.clock.now)
    assert upset == mood(live, "u1").pad  # recorded as the current state
    assert upset.pleasure == pytest.approx(max(-1, before.pleasure - 0.3), abs=0.01)
    assert upset.arousal == pytest.approx(min(1, before.arousal + 0.2), abs=0.01)
    history = live.container.profile_repo.pad_history("u1", T0)
    assert len(history) >= 3
