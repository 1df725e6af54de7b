"""Nightly consolidation as a per-user job, called directly with a frozen clock on the real
engines: related episodic memories become one semantic memory; running it again adds nothing."""
from datetime import datetime, timedelta, timezone

import pytest

USER = "consolidation-user"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
JOB = [
    "I got a new job at Acme as a product designer!",
    "My first day at the new job is next Monday",
    "My new boss at Acme is called Sarah",
    "The new job pays much better than my old one",
    "I'm nervous about starting at Acme next week",
]
OTHER = ["My cat Miso knocked over a plant", "I went hiking in the Alps last summer"]


@pytest.fixture
def talked(runtime):
    for i, message in enumerate(JOB + OTHER):
        runtime.container.turns.clock = lambda i=i: T0 + timedelta(hours=3 * i)
        runtime.send("companion", {"message": message}, user_id=USER)
    return runtime


def rows(db, where="TRUE"):
    """Read as the owner (db_admin): the app role sees nothing outside a scoped transaction."""
    return db.execute(f"SELECT id::text, content, memory_type, importance, consolidated_into::text AS into "
                        f"FROM memories WHERE user_id = %s AND {where} ORDER BY created_at", (USER,)).fetchall()


def test_five_memories_about_a_new_job_become_one_semantic_memory_and_a_second_run_adds_nothing(talked, db_admin):
    runtime = talked
    night = T0 + timedelta(days=1, hours=3)
    result = runtime.container.consolidation.consolidate_user(USER, night)
    assert len(result.created) == 1 and result.consolidated == 5 and result.summarizer == "extractive"

    [semantic] = rows(db_admin, "memory_type = 'semantic'")
    sources = rows(db_admin, "consolidated_into IS NOT NULL")
    assert sorted(s["content"] for s in sources) == sorted(JOB)
    assert {s["into"] for s in sources} == {semantic["id"]}
    assert all(r["into"] is None for r in rows(db_admin, "memory_type = 'episodic'") if r["content"] in OTHER)
    # Importance: the sources' mean x 1.2, capped at 1.
    mean = sum(s["importance"] for s in sources) / 5
    assert semantic["importance"] == pytest.approx(min(1.0, mean * 1.2), abs=1e-4)
    # Offline, the summary is extractive: it keeps what was said.
    assert "Acme" in semantic["content"] and "Sarah" in semantic["content"]
    # Indexed like any memory.
    assert runtime.container.vector_store.count_user_points(USER, [semantic["id"]]) == 1

    again = runtime.container.consolidation.consolidate_user(USER, night + timedelta(days=1))
    assert again.created == [] and again.consolidated == 0
    assert len(rows(db_admin)) == len(JOB) + len(OTHER) + 1


def test_recall_prefers_the_summary_and_still_reaches_the_sources(talked, db_admin):
    runtime = talked
    runtime.container.consolidation.consolidate_user(USER, T0 + timedelta(days=1))
    c = runtime.container
    recalled = c.consolidation.prefer_summaries(USER, c.memory.search(USER, "my new job at Acme", k=5, now=T0))
    assert recalled[0].memory_type == "semantic"
    assert sum(m.memory_type == "semantic" for m in recalled) == 1
    assert not any(m.content in JOB for m in recalled)  # each source is represented by the summary
    sources = c.consolidation.sources_of(USER, recalled)[recalled[0].id]
    assert sorted(m.content for m in sources) == sorted(JOB)

    listing = runtime.send("memories", {"query": "my new job at Acme"}, user_id=USER).replies[0]
    assert "summary of 5 memories" in listing


def test_forgetting_a_source_removes_the_summary_built_from_it(talked, db_admin):
    runtime = talked
    runtime.container.consolidation.consolidate_user(USER, T0 + timedelta(days=1))
    answer = runtime.send("forget", {"query": "boss Sarah"}, user_id=USER).replies[0]
    assert "I forgot 1 memory" in answer and "what I had summarised from it" in answer
    assert "the other 4 memories" in answer
    assert rows(db_admin, "memory_type = 'semantic'") == []
    assert all(r["into"] is None for r in rows(db_admin))
    assert not any("Sarah" in r["content"] for r in rows(db_admin))
    # The four left can be consolidated again, without the forgotten one.
    result = runtime.container.consolidation.consolidate_user(USER, T0 + timedelta(days=2))
    [semantic] = rows(db_admin, "memory_type = 'semantic'")
    assert result.consolidated == 4 and "Sarah" not in semantic["content"]


def test_fewer_than_three_related_memories_stay_as_they_are(runtime, db_admin):
    for message in ["I got a new job at Acme", "My new boss at Acme is nice", "I love coffee"]:
        runtime.send("companion", {"message": message}, user_id=USER)
    result = runtime.container.consolidation.consolidate_user(USER, T0)
    assert result.created == [] and rows(db_admin, "memory_type = 'semantic'") == []
