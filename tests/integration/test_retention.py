"""Retention that means it (issue 20, item 5): past a user's retention, the daily purge deletes each
memory with everything built from it: the summaries it is part of, the conflict records naming
it, its points in Qdrant, its BM25 postings and lexicon counts, its cached vectors, and its text
in the /why records of later replies; and the interactions, incidents and proactive decisions.

Through the real path on a simulated clock: signed interactions -> interactions handler -> queue
-> worker; the nightly reflection's handler (consolidation) and the retention purge's handler,
with the events EventBridge Scheduler sends. Real engines: embedded PostgreSQL, Qdrant local mode,
the embedding cache on fakeredis."""
import hashlib
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import fakeredis
import pytest

from companion.adapters.cached_embedder import CachedEmbedder
from companion.domain.lexical import terms
from companion.domain.schedules import SCHEDULES, next_reflection_slot, scheduled_event
from companion.local.functions import load_handler
from companion.local.lambda_context import LocalLambdaContext
from companion.local.runtime import LocalRuntime

USER, BRIEF = "330000000000000001", "330000000000000002"
DAY0 = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
JOB = [  # consolidated the first night: a summary built only from memories that will expire
    "I got a new job at Acme as a product designer!",
    "My first day at the new job is next Monday",
    "My new boss at Acme is called Sarah",
    "The new job pays much better than my old one",
    "I'm nervous about starting at Acme next week",
]
CELLO_THEN = ["I started learning the cello with a teacher called Ottoline",
              "My cello teacher Ottoline says my bowing is improving"]
CELLO_NOW = ["Ottoline my cello teacher gave me a new piece to learn",
             "My cello lessons with Ottoline are the best part of my week"]


@pytest.fixture
def redis_client():
    return fakeredis.FakeRedis()


@pytest.fixture
def rt(tmp_path, database_url, embedder, redis_client):
    runtime = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", frozen_at=DAY0,
                           overrides={"embedder": CachedEmbedder(embedder, redis_client)})
    yield runtime
    runtime.close()


def at(rt, when):
    rt.clock.advance_to(when, persist=False)


def say(rt, text, user=USER):
    [reply] = rt.send("companion", {"message": text}, user_id=user).replies
    return reply


def fire(rt, name, when):
    """A schedule's handler with EventBridge Scheduler's event; the jobs it queues run."""
    at(rt, when)
    [schedule] = [s for s in SCHEDULES if s.name == name]
    result = load_handler(schedule.function).handler(scheduled_event(schedule, when), LocalLambdaContext())
    rt.run_queued()
    return result


def night(rt, midnight, user=USER):
    """The user's night (they are on UTC): the reflection sweep before it schedules their slot,
    the sweep after their minute queues their reflection, which runs."""
    fire(rt, "nightly-reflection", midnight)
    fire(rt, "nightly-reflection", next_reflection_slot(user, "UTC", midnight) + timedelta(minutes=5))


def memories(db, user=USER):
    return {r["content"]: r for r in db.execute(
        "SELECT id::text, content, memory_type, consolidated_into::text AS into, created_at FROM memories "
        "WHERE user_id = %s", (user,)).fetchall()}


def cache_key(rt, text, kind="document"):
    return f"embed:{rt.container.embedder.model_id}:{kind}:{hashlib.sha256(text.encode()).hexdigest()}"


def test_a_year_later_a_memory_goes_with_everything_built_from_it(rt, db_admin, redis_client):
    c = rt.container
    # Day 0: a new job (five related memories), a preference, where they live, a first cello lesson.
    for i, text in enumerate(JOB + ["I love coffee", "I live in Lisbon"] + CELLO_THEN):
        at(rt, DAY0 + timedelta(minutes=10 * i))
        say(rt, text)
    rt.send("remember", {"fact": "My daughter Ana was born on 3 March 2019"}, user_id=USER)  # pinned
    night(rt, DAY0 + timedelta(days=1, hours=-9))  # the user's night (consolidation)
    old = memories(db_admin)
    [job_summary] = [m for m in old.values() if m["memory_type"] == "semantic"]
    assert {old[t]["into"] for t in JOB} == {job_summary["id"]}  # built only from day 0's words
    assert all(old[t]["into"] is None for t in CELLO_THEN)  # two are not a cluster yet

    # Day 200: the preference changes (a conflict naming day 0's memory) and more cello, which the
    # next night consolidates with day 0's lessons (a summary of old and new memories).
    at(rt, DAY0 + timedelta(days=200))
    say(rt, "I can't stand coffee anymore")
    for i, text in enumerate(CELLO_NOW):
        at(rt, DAY0 + timedelta(days=200, minutes=10 * (i + 1)))
        say(rt, text)
    night(rt, DAY0 + timedelta(days=201, hours=-9))
    now = memories(db_admin)
    cello_summary = now[CELLO_NOW[0]]["into"]
    assert cello_summary and now[CELLO_THEN[0]]["into"] == cello_summary
    [conflict] = db_admin.execute("SELECT * FROM memory_conflicts WHERE user_id = %s", (USER,)).fetchall()
    assert conflict["conflicting_memory_id"] == old["I love coffee"]["id"]

    # Day 300: a reply whose prompt recalled where they live (day 0): /why quotes it.
    at(rt, DAY0 + timedelta(days=300))
    say(rt, "Tell me what you remember about my home in Lisbon")
    why_before = rt.send("why", {}, user_id=USER).replies[0]
    assert "I live in Lisbon" in why_before

    old_ids = [old[t]["id"] for t in JOB + ["I love coffee", "I live in Lisbon"] + CELLO_THEN]
    gone = old_ids + [job_summary["id"], cello_summary]
    assert c.vector_store.count_user_points(USER, gone) == len(gone) - 1  # "I love coffee" is history: unindexed
    assert redis_client.exists(cache_key(rt, "I love coffee"))  # the conflict check's statement vector

    # 365 days after day 0's messages (and before the job summary's own 365 days): the purge.
    result = fire(rt, "retention-purge", DAY0 + timedelta(days=365, hours=3))
    deleted = result["deleted"]
    assert deleted["memories"] == len(old_ids) and deleted["summaries"] == 2
    assert deleted["memory_conflicts"] == 1 and deleted["why_records"] >= 1 and deleted["unfinished"] == 0

    left = memories(db_admin)
    # A fact pinned with /remember is kept until /forget: the one exception, as promised.
    assert set(left) == {"I can't stand coffee anymore", *CELLO_NOW, "Tell me what you remember about my home in Lisbon",
                         "My daughter Ana was born on 3 March 2019"}
    assert all(m["into"] is None for m in left.values())  # the cello summary's newer sources, released
    assert db_admin.execute("SELECT count(*) AS n FROM memory_conflicts WHERE user_id = %s", (USER,)).fetchone()["n"] == 0
    # The search index, the lexical postings and counts, the cached vectors.
    assert c.vector_store.count_user_points(USER, gone) == 0
    assert c.vector_store.count_user_points(USER, [m["id"] for m in left.values()]) == len(left)
    assert db_admin.execute("SELECT count(*) AS n FROM memory_postings WHERE memory_id = ANY(%s::uuid[])",
                            (gone,)).fetchone()["n"] == 0
    lexicon = {r["term"] for r in db_admin.execute("SELECT term FROM memory_lexicon WHERE user_id = %s", (USER,))}
    assert not lexicon & set(terms("Acme Sarah designer bowing"))
    assert "coffe" in lexicon or "coffee" in lexicon  # today's statement still counts
    assert not any(redis_client.exists(cache_key(rt, t, kind)) for t in ["I love coffee", *JOB] for kind in
                   ("document", "query"))
    # /why: the record keeps the expired memory's id, not its words.
    record = db_admin.execute("SELECT explanation::text AS e, recalled_since FROM interactions WHERE user_id = %s "
                              "AND explanation IS NOT NULL ORDER BY timestamp DESC LIMIT 1", (USER,)).fetchone()
    assert "I live in Lisbon" not in record["e"]
    assert record["recalled_since"] is None or record["recalled_since"] >= DAY0 + timedelta(days=200)
    why_after = rt.send("why", {}, user_id=USER).replies[0]
    assert "I live in Lisbon" not in why_after and "older than I keep them" in why_after
    # Day 0's conversation is gone too; the year's later turns stay.
    said = [i.user_message for i in c.interaction_repo.list_interactions(USER)]
    assert not set(said) & set(JOB + ["I love coffee", "I live in Lisbon"] + CELLO_THEN)
    assert "I can't stand coffee anymore" in said

    # A second run the same day finds nothing more.
    again = fire(rt, "retention-purge", DAY0 + timedelta(days=365, hours=3, minutes=5))
    assert again["deleted"]["memories"] == again["deleted"]["summaries"] == 0


def test_the_deployments_retention_and_a_users_own(rt, db_admin):
    """DATA_RETENTION_DAYS (the template's DataRetentionDays) sets everyone's retention unless a
    user's profile has its own."""
    c = rt.container
    c.settings = replace(c.settings, data_retention_days=90)
    for user in (USER, BRIEF):
        say(rt, f"My favourite colour is teal, says {user}", user=user)
    at(rt, DAY0 + timedelta(days=40))
    for user in (USER, BRIEF):
        say(rt, f"I bought a bicycle, says {user}", user=user)
    db_admin.execute("UPDATE user_profiles SET data_retention_days = 30 WHERE user_id = %s", (BRIEF,))
    assert db_admin.execute("SELECT data_retention_days FROM user_profiles WHERE user_id = %s",
                            (USER,)).fetchone()["data_retention_days"] is None  # the deployment's

    # What the user is told: /settings and /export say how long.
    assert "for 90 days" in rt.send("settings", {}, user_id=USER).replies[0]
    assert "for 30 days" in rt.send("settings", {}, user_id=BRIEF).replies[0]
    export = rt.send("export", {}, user_id=BRIEF)
    assert "for 30 days" in export.replies[0]
    assert json.loads(export.files[0][1])["retention"]["days"] == 30

    fire(rt, "retention-purge", DAY0 + timedelta(days=60))  # past BRIEF's 30 days, not the 90
    assert {m for m in memories(db_admin, BRIEF)} == {f"I bought a bicycle, says {BRIEF}"}
    assert len(memories(db_admin, USER)) == 2
    fire(rt, "retention-purge", DAY0 + timedelta(days=91))
    assert set(memories(db_admin, USER)) == {f"I bought a bicycle, says {USER}"}
    assert [i.user_message for i in c.interaction_repo.list_interactions(USER)] == [f"I bought a bicycle, says {USER}"]


def test_a_vector_index_outage_deletes_nothing_and_the_next_run_finishes(rt, db_admin):
    say(rt, "I keep bees on my roof")
    [memory] = memories(db_admin).values()
    index = rt.container.search_index

    class Down:
        def __getattr__(self, name):
            return getattr(index, name)

        def delete_ids(self, ids):
            raise ConnectionError("qdrant unreachable")

    rt.container.retention.vectors = Down()
    with pytest.raises(ConnectionError):
        fire(rt, "retention-purge", DAY0 + timedelta(days=366))
    assert memories(db_admin)  # still there, and still findable by the next run
    assert rt.container.vector_store.count_user_points(USER, [memory["id"]]) == 1

    rt.container.retention.vectors = index
    result = fire(rt, "retention-purge", DAY0 + timedelta(days=367))
    assert result["deleted"]["memories"] == 1 and memories(db_admin) == {}
    assert rt.container.vector_store.count_user_points(USER, [memory["id"]]) == 0


def test_a_purge_out_of_time_stops_and_the_next_run_goes_on(rt, db_admin, monkeypatch):
    import companion.services.retention as retention

    monkeypatch.setattr(retention, "USERS_PER_BATCH", 1)
    monkeypatch.setattr(retention, "MEMORIES_PER_USER", 2)
    for user in (USER, BRIEF):
        for i in range(3):
            say(rt, f"Note number {i} from {user} about my garden", user=user)
    at(rt, DAY0 + timedelta(days=366))
    first = rt.container.scheduled_jobs.retention_purge(rt.clock(), seconds=0)
    assert first.details["unfinished"] == 1 and first.details["memories"] == 2  # one batch: USER's first two
    second = rt.container.scheduled_jobs.retention_purge(rt.clock(), seconds=None)
    assert second.details["unfinished"] == 0 and second.details["memories"] == 4
    assert memories(db_admin) == {} and memories(db_admin, BRIEF) == {}
