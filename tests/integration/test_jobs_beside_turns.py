"""Jobs run beside the same user's turns (their own queue and workers), so a job must never race a
turn on the same rows: each write a job shares with a turn (the mood, the baseline, quirks, a
proactive decision) happens under the user's lock in a short transaction that re-reads what it
depends on, and nothing a job writes brings back a user that /forget-me erased. Every
interleaving here is forced through the real services: the turn runs while the job waits on a
provider (the fakes at the provider boundary run it), or while the job holds the lock."""
import threading
import time
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.rows import dict_row

from companion.adapters.postgres.database import lock_user
from companion.domain.models import Reply
from companion.domain.pad import PAD
from companion.domain.quirks import detect_patterns
from companion.domain.schedules import UserJob
from companion.local.runtime import LocalRuntime

START = datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc)  # 02:00 UTC: a UTC user's night
USER = "400000000000000077"


@pytest.fixture
def rt(tmp_path, database_url, embedder):
    runtime = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                           frozen_at=START - timedelta(hours=10))
    yield runtime
    runtime.close()


def say(rt, text):
    return rt.send("companion", {"message": text}, user_id=USER).replies


def mood(db_admin):
    row = db_admin.execute("SELECT pleasure, arousal, dominance, trigger_event FROM personality_state "
                           "WHERE user_id = %s AND is_current", (USER,)).fetchone()
    return PAD(row["pleasure"], row["arousal"], row["dominance"]), row["trigger_event"]


def test_the_nightly_relaxation_never_overwrites_a_mood_a_turn_set_meanwhile(rt, db_admin):
    say(rt, "I got the job!! I'm so happy!")
    rt.clock.advance_to(START)
    personality = rt.container.personality
    read = personality.current

    def then_a_turn(user_id, now, needs=None):
        snapshot = read(user_id, now, needs)  # the evolution has read the mood ...
        if not getattr(then_a_turn, "done", False):
            then_a_turn.done = True
            say(rt, "Actually I feel terrible, my dad is in the hospital")  # ... and the user writes
        return snapshot

    personality.current = then_a_turn
    personality.evolve(USER, START)
    after, trigger = mood(db_admin)
    # The turn's mood stands (it was set just now: nothing to relax), never the older one relaxed.
    assert trigger.startswith("interaction:") and after.pleasure < 0


def test_a_turn_waits_for_a_jobs_short_write_then_both_stand(rt, pg_server, database_url):
    say(rt, "hello there")
    job = psycopg.connect(database_url, autocommit=False, row_factory=dict_row)  # a job's write transaction
    try:
        job.execute("SET ROLE companion_app")
        job.execute("SELECT set_config('app.user_id', %s, true)", (USER,))
        assert lock_user(job, USER)
        replies = []
        turn = threading.Thread(target=lambda: replies.extend(say(rt, "I got a new puppy today!")))
        turn.start()
        # The turn reaches its write and waits on the user's lock (never on a provider call).
        with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
            for _ in range(600):
                waiting = admin.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]
                if waiting:
                    break
                time.sleep(0.05)
        assert waiting and turn.is_alive()
        rt.container.profile_repo.set_pad(job, USER, PAD(0.0, 0.0, 0.0), "relaxation", START)
        job.commit()
        turn.join(30)
    finally:
        job.close()
    assert replies and not turn.is_alive()  # the turn went on after the job's commit, and answered
    with rt.container.database.scoped(USER) as conn:
        rows = conn.execute("SELECT trigger_event, is_current FROM personality_state WHERE user_id = %s "
                            "ORDER BY id", (USER,)).fetchall()
    assert [r["trigger_event"] for r in rows][-2:] == ["relaxation", rows[-1]["trigger_event"]]
    assert rows[-1]["is_current"] and rows[-1]["trigger_event"].startswith("interaction:")


class SlowNightlyDetector:
    """The nightly detector (the fast model): while it thinks, ``during()`` happens."""
    name = "llm"

    def __init__(self, during):
        self.during = during

    def detect(self, exchanges):
        self.during()
        return detect_patterns(exchanges)


def quirk_counts(db_admin):
    return {r["name"]: r["observation_count"] for r in db_admin.execute(
        "SELECT name, observation_count FROM quirks WHERE user_id = %s", (USER,)).fetchall()}


def test_the_nightly_quirk_evolution_keeps_a_sighting_a_turn_made_while_it_thought(rt, db_admin):
    for text in ("hey 😀 how are you", "lol 😂 that's great", "good morning ☀️ friend"):
        say(rt, text)
    seen_by_turn = {}

    def a_turn():
        say(rt, "haha 😀 love it 🎉")
        seen_by_turn.update(quirk_counts(db_admin))

    rt.container.personality._nightly_detector = SlowNightlyDetector(a_turn)
    rt.clock.advance_to(START)
    rt.container.personality.evolve(USER, START)
    after = quirk_counts(db_admin)
    assert seen_by_turn and all(after[name] >= count for name, count in seen_by_turn.items())


def test_a_user_who_writes_while_the_starter_is_written_gets_no_proactive_message(rt):
    say(rt, "I'm training for a half marathon in spring!")
    rt.clock.advance_to(START + timedelta(hours=8))  # 10:00 UTC, away 18 h
    offline = rt.container.reply_model

    class SlowStarterModel:
        """The reply model: while it writes the starter, the user writes first."""

        def reply(self, context):
            if context.purpose == "starter":
                say(rt, "morning! just got back from a run")
                return Reply(text="Hey! How's the training going?", model="fake", fallback_used=False)
            return offline.reply(context)

    rt.container.__dict__["reply_model"] = SlowStarterModel()
    for name in ("proactive", "turns", "api_turns"):
        rt.container.__dict__.pop(name, None)
    rt.container.proactive.threshold = 0.0
    outcome = rt.container.proactive.run(UserJob("proactive", USER, rt.clock()))
    assert (outcome.status, outcome.reason) == ("blocked", "recently_active")
    assert rt.sink.messages == []
    [decision] = rt.container.outreach_repo.list_decisions(USER)
    assert (decision.outcome, decision.reason, decision.content) == ("blocked", "recently_active", None)


def test_nothing_a_reflection_writes_brings_back_a_user_erased_while_it_ran(rt):
    for text in ("hey 😀 how are you", "lol 😂 that's great", "I love painting on Sundays"):
        say(rt, text)

    def forget_me():
        rt.send("forget-me", {"confirm": "yes"}, user_id=USER)

    rt.container.personality._nightly_detector = SlowNightlyDetector(forget_me)
    rt.clock.advance_to(START)
    outcome = rt.container.reflection.run(UserJob("reflection", USER, START))
    assert outcome.status in ("succeeded", "partial", "failed")
    left = {table: n for table, n in rt.container.user_data_repo.remaining_rows(USER).items() if n}
    assert left == {}
