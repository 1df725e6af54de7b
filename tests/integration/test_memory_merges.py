"""Near-duplicate merge through the real path: signed interaction -> webhook -> queue -> worker,
whose new-memory job merges a repeat into the memory it repeats; recall's top k is then not
crowded by repeats, /forget takes the repeats with their memory, and pinned facts are never merged."""
from datetime import datetime, timedelta, timezone

USER = "merge-user"
T0 = datetime(2026, 3, 2, 18, 0, tzinfo=timezone.utc)
FACTS = ["I love coffee", "My sister lives in Porto", "I work as a nurse in Leeds", "I have two cats",
         "I'm learning Spanish", "I play the guitar on weekends"]
REPEATS = ["I really love coffee", "I love coffee so much", "I love coffee!"]


def say(runtime, when, message, user=USER):
    runtime.container.turns.clock = lambda: when
    return runtime.send("companion", {"message": message}, user_id=user)


def rows(db, user=USER):
    return {r["content"]: r for r in db.execute(
        "SELECT id::text, content, valid_to, merged_into::text, importance FROM memories WHERE user_id = %s",
        (user,)).fetchall()}


def test_repeats_are_merged_and_do_not_crowd_the_top_k(runtime, db_admin):
    for n, fact in enumerate(FACTS):
        say(runtime, T0 + timedelta(hours=n), fact)
    for n, repeat in enumerate(REPEATS):
        say(runtime, T0 + timedelta(days=1, hours=n), repeat)

    stored = rows(db_admin)
    coffee = stored["I love coffee"]
    for repeat in REPEATS:
        assert stored[repeat]["merged_into"] == coffee["id"] and stored[repeat]["valid_to"] is not None
    assert coffee["valid_to"] is None and coffee["merged_into"] is None
    # Out of the vector index, still in PostgreSQL (nothing the user said is deleted).
    store = runtime.container.vector_store
    assert store.count_user_points(USER, [stored[r]["id"] for r in REPEATS]) == 0

    # The top 5 for a question about the user: five different facts, coffee once.
    found = runtime.container.memory.search(USER, "tell me about my coffee, my sister and my cats", k=5,
                                            now=T0 + timedelta(days=2))
    contents = [m.content for m in found]
    assert sum("coffee" in c for c in contents) == 1 and len(set(contents)) == 5
    listing = runtime.send("memories", {"query": "coffee"}, user_id=USER).replies[0]
    listed = [line for line in listing.splitlines() if line.startswith("•") and "coffee" in line]
    assert len(listed) == 1 and "I love coffee (" in listed[0]


def test_a_statement_that_changes_or_adds_something_is_not_merged(runtime, db_admin):
    say(runtime, T0, "I have two cats")
    say(runtime, T0 + timedelta(hours=1), "I have three cats")                    # a changed number: asked about
    say(runtime, T0 + timedelta(hours=2), "My dad is in the hospital")
    say(runtime, T0 + timedelta(hours=3), "My dad is out of the hospital")       # 0.95 on MiniLM
    say(runtime, T0 + timedelta(hours=4), "I work as a nurse")
    say(runtime, T0 + timedelta(hours=5), "I work as a nurse in Leeds, on the night shift")
    assert all(r["merged_into"] is None for r in rows(db_admin).values())


def test_forgetting_a_memory_forgets_its_repeats(runtime, db_admin):
    say(runtime, T0, "My sister lives in Porto")
    say(runtime, T0 + timedelta(hours=1), "my sister lives in Porto")
    assert rows(db_admin)["my sister lives in Porto"]["merged_into"] is not None
    reply = runtime.send("forget", {"query": "sister Porto"}, user_id=USER).replies[0]
    assert "forgot 2 memories" in reply
    assert rows(db_admin) == {}
    history = db_admin.execute("SELECT user_message FROM interactions WHERE user_id = %s", (USER,)).fetchall()
    assert all("Porto" not in (h["user_message"] or "") for h in history)


def test_pinned_facts_are_never_merged(runtime, db_admin):
    runtime.send("remember", {"fact": "I love coffee"}, user_id=USER)
    say(runtime, T0, "I love coffee")                 # a repeat of a pinned fact stays its own memory
    say(runtime, T0 + timedelta(hours=1), "I really love coffee")
    stored = db_admin.execute(
        "SELECT content, pinned, merged_into::text, valid_to FROM memories WHERE user_id = %s ORDER BY created_at",
        (USER,)).fetchall()
    pinned = [r for r in stored if r["pinned"]]
    assert len(pinned) == 1 and pinned[0]["merged_into"] is None and pinned[0]["valid_to"] is None
    pinned_id = db_admin.execute("SELECT id::text FROM memories WHERE user_id = %s AND pinned",
                                 (USER,)).fetchone()["id"]
    assert all(r["merged_into"] != pinned_id for r in stored)
