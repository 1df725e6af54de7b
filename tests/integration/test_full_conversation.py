"""The seed's end-to-end scenario (tests/integration/test_full_conversation.py), driven through
the real path: signed interaction -> interactions handler -> queue -> worker handler ->
PostgreSQL + Qdrant -> reply sent to (local) Discord."""
from datetime import datetime, timezone

USER = "integration_tester_001"


def test_complete_conversation_flow(runtime):
    first = runtime.send("companion", {"message": "I got a new puppy today!"}, user_id=USER)
    assert first.status == 200 and first.immediate is None
    assert len(first.replies) == 1 and len(first.replies[0]) > 10

    runtime.send("companion", {"message": "His name is Sparky and he's a golden retriever."}, user_id=USER)

    c = runtime.container
    profile = c.profile_repo.get_profile(USER)
    assert profile["initialization_completed"] is True
    assert profile["total_interactions"] == 2

    # 1. Database integration: both interactions recorded, in order.
    interactions = c.interaction_repo.list_interactions(USER)
    assert len(interactions) >= 2
    assert "Sparky" in interactions[-1].user_message
    assert interactions[0].llm_model_used == "offline-responder-v1"

    # 2. Vector store integration: the Sparky memory is found by "puppy".
    results = runtime.container.memory.search(USER, "puppy", k=5, now=datetime.now(timezone.utc))
    assert len(results) >= 1
    assert any("Sparky" in m.content for m in results)

    # 3. Personality integration: happier after good news than before the conversation.
    final = c.profile_repo.get_personality(USER).pad
    initial = interactions[0].pad_before
    assert final.pleasure > initial["pleasure"]

    # 4. Importance scoring: the puppy news is important.
    puppy = next(m for m in results if "puppy" in m.content.lower())
    assert puppy.importance > 0.5


def test_memories_and_personality_commands(runtime):
    runtime.send("companion", {"message": "I got a new puppy today!"}, user_id="u1")
    runtime.send("companion", {"message": "His name is Sparky."}, user_id="u1")

    memories = runtime.send("memories", {"query": "puppy"}, user_id="u1")
    assert memories.replies and "Sparky" in memories.replies[0]

    personality = runtime.send("personality", {}, user_id="u1")
    text = personality.replies[0]
    assert "Mood:" in text and "Openness" in text and "Social" in text

    nothing = runtime.send("memories", {"query": "spaceships"}, user_id="u1")
    assert "don't remember" in nothing.replies[0]


def test_one_users_memories_never_reach_another(runtime):
    runtime.send("companion", {"message": "My secret diary password is tulip42"}, user_id="alice")
    runtime.send("companion", {"message": "I like tulips"}, user_id="bob")

    bob_sees = runtime.send("memories", {"query": "secret diary password"}, user_id="bob").replies[0]
    assert "tulip42" not in bob_sees
    alice_sees = runtime.send("memories", {"query": "secret diary password"}, user_id="alice").replies[0]
    assert "tulip42" in alice_sees
    stranger = runtime.send("memories", {"query": "tulips"}, user_id="carol").replies[0]
    assert "haven't talked" in stranger


def test_personality_differs_between_users_and_is_created_once(runtime, db_admin):
    runtime.send("personality", {}, user_id="p1")
    runtime.send("personality", {}, user_id="p1")
    runtime.send("personality", {}, user_id="p2")
    c = runtime.container
    assert c.profile_repo.get_personality("p1").traits != c.profile_repo.get_personality("p2").traits
    conn = db_admin
    assert conn.execute("SELECT count(*) AS n FROM personality_state WHERE user_id='p1'").fetchone()["n"] == 1
    assert conn.execute("SELECT count(*) AS n FROM needs WHERE user_id='p1'").fetchone()["n"] == 5


def test_reply_model_gets_the_seed_prompt_history_and_recalled_memories(runtime):
    from companion.adapters.offline_models import OfflineReplyModel

    seen = []

    class Recording(OfflineReplyModel):
        def reply(self, context):
            seen.append(context)
            return super().reply(context)

    runtime.container.turns.reply_model = Recording()
    runtime.send("companion", {"message": "I got a new puppy today!"}, user_id="u1")
    runtime.send("companion", {"message": "What should I feed a puppy?"}, user_id="u1")
    context = seen[-1]
    system = context.messages[0]["content"]
    assert context.messages[0]["role"] == "system"
    assert system.startswith("You are an AI companion with a unique, evolving personality.")
    assert f"CURRENT EMOTIONAL STATE: {context.emotion_label}" in system
    assert "<memories>\n- I got a new puppy today!\n" in system
    assert [m["role"] for m in context.messages[1:]] == ["user", "assistant", "user"]
    assert context.messages[-1]["content"] == "What should I feed a puppy?"
