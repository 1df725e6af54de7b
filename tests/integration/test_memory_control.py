"""The user's control over their data, through the real path (signed interaction -> handler ->
queue -> worker -> PostgreSQL + Qdrant -> reply): /memories ids, /forget, /forget-me, /export."""
import json
import re

from psycopg import sql

from companion.services.memory_control import FORGET_ME_CONFIRM

ALICE, BOB = "alice-1", "bob-2"


def say(runtime, user, *messages):
    for message in messages:
        runtime.send("companion", {"message": message}, user_id=user)


def short_ids(reply: str) -> dict[str, str]:
    """{content: short id} from a /memories answer."""
    return {m[1]: m[0] for m in re.findall(r"• `([0-9a-f]{8})` (.+?) \(\d", reply)}


def rows_of(runtime, user) -> dict[str, int]:
    """Raw SQL over every table with a user_id column, independent of the repositories."""
    conn = runtime.container.database.connection()
    tables = [r["table_name"] for r in conn.execute(
        """SELECT table_name FROM information_schema.columns
           WHERE table_schema = current_schema() AND column_name = 'user_id'""").fetchall()]
    counts = {}
    with runtime.container.database.scoped(user) as tx:
        for t in tables:
            counts[t] = tx.execute(sql.SQL("SELECT count(*) AS n FROM {} WHERE user_id = %s").format(
                sql.Identifier(t)), (user,)).fetchone()["n"]
    return counts


def points_of(runtime, user) -> int:
    return runtime.container.vector_store.count_user_points(user)


def test_memories_lists_short_ids_and_forget_by_id_removes_row_and_vector(runtime, db_admin):
    say(runtime, ALICE, "My sister Ana lives in Porto", "I started learning the cello")
    listing = runtime.send("memories", {"query": "my sister"}, user_id=ALICE).replies[0]
    ids = short_ids(listing)
    assert "My sister Ana lives in Porto" in ids
    sister = ids["My sister Ana lives in Porto"]

    forgot = runtime.send("forget", {"query": sister}, user_id=ALICE).replies[0]
    assert "I forgot 1 memory" in forgot and "My sister Ana lives in Porto" in forgot

    after = runtime.send("memories", {"query": "my sister"}, user_id=ALICE).replies[0]
    assert "Porto" not in after and "cello" in after
    conn = db_admin  # the owner: sees past row-level security
    assert conn.execute("SELECT count(*) AS n FROM memories WHERE content LIKE '%Porto%'").fetchone()["n"] == 0
    full_id = conn.execute("SELECT id::text FROM memories WHERE user_id = %s", (ALICE,)).fetchall()
    assert len(full_id) == 1  # only the cello memory is left
    # No point for the forgotten memory anywhere in the vector index; the other one is still there.
    assert points_of(runtime, ALICE) == 1
    # The message it came from no longer holds the text either.
    messages = [i.user_message for i in runtime.container.interaction_repo.list_interactions(ALICE)]
    assert not any("Porto" in m for m in messages)


def test_memories_without_a_query_lists_the_newest_current_memories(runtime):
    assert "haven't talked" in runtime.send("memories", {}, user_id=ALICE).replies[0]
    say(runtime, ALICE, *[f"Fact number {n}: I collect {thing} stamps." for n, thing in
                          enumerate(("French", "Chilean", "Kenyan", "Danish", "Korean", "Peruvian", "Irish"))])
    say(runtime, BOB, "I keep bees on my roof.")
    listing = runtime.send("memories", {}, user_id=ALICE).replies[0]
    assert listing.startswith("What I remember most recently")
    shown = list(short_ids(listing))
    assert len(shown) == 5 and "Irish" in shown[0] and "Kenyan" in shown[-1]  # newest first
    assert "bees" not in listing  # only the asking user's memories


def test_forget_by_words_forgets_every_memory_mentioning_them_and_says_which(runtime):
    say(runtime, ALICE, "I drink too much coffee", "Coffee keeps me awake at night", "I like tea too")
    forgot = runtime.send("forget", {"query": "coffee"}, user_id=ALICE).replies[0]
    assert "I forgot 2 memories" in forgot
    assert "I drink too much coffee" in forgot and "Coffee keeps me awake at night" in forgot
    assert "tea" not in forgot
    assert points_of(runtime, ALICE) == 1


def test_forget_something_never_said_forgets_nothing(runtime):
    say(runtime, ALICE, "I like hiking in the Alps")
    answer = runtime.send("forget", {"query": "quantum chromodynamics"}, user_id=ALICE).replies[0]
    assert "forgot nothing" in answer
    assert points_of(runtime, ALICE) == 1
    assert "Tell me what to forget" in runtime.send("forget", {"query": ""}, user_id=ALICE).replies[0]


def test_forget_never_touches_another_users_memory_with_the_same_text(runtime):
    say(runtime, ALICE, "My cat is called Miso")
    say(runtime, BOB, "My cat is called Miso")
    bob_id = short_ids(runtime.send("memories", {"query": "cat"}, user_id=BOB).replies[0])["My cat is called Miso"]
    # Alice cannot forget Bob's memory by naming its id.
    assert "forgot nothing" in runtime.send("forget", {"query": bob_id}, user_id=ALICE).replies[0]
    runtime.send("forget", {"query": "cat"}, user_id=ALICE)
    assert points_of(runtime, ALICE) == 0 and points_of(runtime, BOB) == 1
    assert "Miso" in runtime.send("memories", {"query": "cat"}, user_id=BOB).replies[0]


def test_forget_me_asks_first_with_a_button_and_erases_nothing(runtime):
    say(runtime, ALICE, "I live in Lisbon")
    ask = runtime.send("forget-me", {}, user_id=ALICE)
    assert "cannot be undone" in ask.replies[0]
    assert [b["custom_id"] for b in ask.buttons] == [FORGET_ME_CONFIRM]
    assert rows_of(runtime, ALICE)["memories"] == 1 and points_of(runtime, ALICE) == 1


def test_forget_me_leaves_zero_rows_and_zero_points_and_the_other_user_intact(runtime):
    same = ["I live in Lisbon and work as a nurse", "My dog Bolt is three years old"]
    say(runtime, ALICE, *same)
    say(runtime, BOB, *same)
    bob_before = rows_of(runtime, BOB)
    bob_points = points_of(runtime, BOB)
    assert bob_before["memories"] == 2 and bob_points == 2

    # In Discord the confirmation is a button: pressing it runs /forget-me confirm:yes.
    runtime.send("forget-me", {}, user_id=ALICE)
    done = runtime.press(FORGET_ME_CONFIRM, user_id=ALICE)
    assert "erased everything" in done.replies[0] and "0 vectors left" in done.replies[0]
    assert done.buttons == []  # the button is gone from the message

    assert set(rows_of(runtime, ALICE).values()) == {0}
    assert points_of(runtime, ALICE) == 0
    assert rows_of(runtime, BOB) == bob_before
    assert points_of(runtime, BOB) == bob_points
    assert "Bolt" in runtime.send("memories", {"query": "my dog Bolt"}, user_id=BOB).replies[0]

    # The next message starts a new companion with no memory of the old one.
    assert "haven't talked" in runtime.send("memories", {"query": "dog"}, user_id=ALICE).replies[0]
    say(runtime, ALICE, "Hello again")
    profile = runtime.container.profile_repo.get_profile(ALICE)
    assert profile["total_interactions"] == 1


def test_forget_me_typed_with_confirm_yes(runtime):
    say(runtime, ALICE, "I live in Lisbon")
    done = runtime.send("forget-me", {"confirm": "yes"}, user_id=ALICE)
    assert "erased everything" in done.replies[0]
    assert set(rows_of(runtime, ALICE).values()) == {0} and points_of(runtime, ALICE) == 0


def test_export_round_trips_every_memory(runtime, db_admin):
    say(runtime, ALICE, "I got a new puppy today!", "His name is Sparky.", "I work as a nurse in Lisbon")
    say(runtime, BOB, "Bob's own secret")
    exchange = runtime.send("export", {}, user_id=ALICE)
    assert "Here is everything" in exchange.replies[0]
    [(filename, data)] = exchange.files
    assert filename.endswith(".json")
    document = json.loads(data)
    assert document["format"] == "companion-export/1" and document["user_id"] == ALICE

    conn = db_admin  # the owner: sees past row-level security
    in_db = {r["id"]: r for r in conn.execute(
        "SELECT id::text, content, importance, created_at FROM memories WHERE user_id = %s", (ALICE,)).fetchall()}
    exported = {m["id"]: m for m in document["memories"]}
    assert set(exported) == set(in_db)
    for memory_id, row in in_db.items():
        assert exported[memory_id]["content"] == row["content"]
        assert exported[memory_id]["importance"] == row["importance"]
        assert exported[memory_id]["created_at"] == row["created_at"].isoformat()
        assert "embedding" not in exported[memory_id]
    assert len(document["interactions"]) == 3
    assert document["personality"][0]["openness"] is not None
    assert {n["need_type"] for n in document["needs"]} >= {"social", "rest"}
    assert document["profile"]["user_id"] == ALICE
    assert "quirks" in document
    assert "Bob" not in data.decode()


def test_export_before_any_conversation(runtime):
    exchange = runtime.send("export", {}, user_id="stranger")
    assert "nothing of yours" in exchange.replies[0] and exchange.files == []


def test_forget_takes_the_companions_replies_that_could_repeat_the_memory(runtime, db_admin):
    runtime.container.turns.remember_replies = True
    say(runtime, ALICE, "My sister Ana lives in Porto", "I started learning the cello", "Should I visit my sister?")
    porto = db_admin.execute(
        """SELECT id::text, source_interaction_id FROM memories
           WHERE user_id = %s AND author = 'user' AND content LIKE '%%Porto%%'""",
        (ALICE,)).fetchone()
    replies = {r["id"]: r for r in db_admin.execute(
        """SELECT m.id::text, m.content, m.source_interaction_id, i.explanation FROM memories m
           JOIN interactions i ON i.id = m.source_interaction_id
           WHERE m.user_id = %s AND m.author = 'companion'""", (ALICE,)).fetchall()}
    assert len(replies) == 3
    # The reply to that message, and every reply composed with that memory in its prompt.
    repeating = {memory_id for memory_id, r in replies.items()
                 if r["source_interaction_id"] == porto["source_interaction_id"]
                 or any(m["id"] == porto["id"] for m in r["explanation"]["memories"])}
    assert len(repeating) >= 2  # its own reply, and the replies that recalled it ("visit my sister")

    forgot = runtime.send("forget", {"query": porto["id"].replace("-", "")[:8]}, user_id=ALICE).replies[0]
    assert f"{len(repeating)} of my own replies" in forgot
    left = {r["id"] for r in db_admin.execute(
        "SELECT id::text FROM memories WHERE user_id = %s AND author = 'companion'", (ALICE,)).fetchall()}
    assert left == set(replies) - repeating
    assert runtime.container.vector_store.count_user_points(ALICE, sorted(repeating | {porto["id"]})) == 0


def test_export_says_which_memories_are_the_companions_own_words(runtime):
    runtime.container.turns.remember_replies = True
    say(runtime, ALICE, "I got a new puppy today!")
    [(_, data)] = runtime.send("export", {}, user_id=ALICE).files
    authors = sorted(m["author"] for m in json.loads(data)["memories"])
    assert authors == ["companion", "user"]
