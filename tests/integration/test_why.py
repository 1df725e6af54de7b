"""/why explains the last reply from what was recorded with it, through the real path."""
from companion.domain.explanation import prompt_facts, render_why

USER = "why-user"


def test_why_names_the_memories_that_were_in_the_prompt(runtime, db_admin):
    runtime.send("companion", {"message": "I got a new puppy today!"}, user_id=USER)
    runtime.send("companion", {"message": "His name is Sparky and he's a golden retriever."}, user_id=USER)
    reply = runtime.send("companion", {"message": "Sparky chewed my shoes, the little rascal"}, user_id=USER).replies[0]

    conn = db_admin  # the owner: sees past row-level security
    last = conn.execute("SELECT explanation FROM interactions WHERE user_id = %s ORDER BY id DESC LIMIT 1",
                        (USER,)).fetchone()["explanation"]
    recalled = [m["content"] for m in last["memories"]]
    assert any("Sparky" in c for c in recalled)

    why = runtime.send("why", {}, user_id=USER).replies[0]
    assert "Why I said" in why and reply[:40].split('"')[0] in why
    for content in recalled:
        assert content[:40] in why
    for m in last["memories"]:
        assert f"{m['similarity']:.2f}" in why  # with the scores it had then
    assert "appraisal rule" in why or "no appraisal rule" in why
    assert "offline-responder-v1" in why and "no fallback" in why
    assert "Urgent needs in my prompt" in why and "Quirks in my prompt" in why


def test_why_tells_what_was_recorded_then_not_what_is_true_now(runtime, db_admin):
    runtime.send("companion", {"message": "My sister Ana lives in Porto"}, user_id=USER)
    runtime.send("companion", {"message": "I'm visiting my sister Ana in Porto next week"}, user_id=USER)
    before = runtime.send("why", {}, user_id=USER).replies[0]
    conn = db_admin  # the owner: sees past row-level security
    conn.execute("UPDATE memories SET importance = 0.01 WHERE user_id = %s", (USER,))
    conn.execute("UPDATE personality_state SET pleasure = -0.9 WHERE user_id = %s", (USER,))
    assert runtime.send("why", {}, user_id=USER).replies[0] == before


def test_why_after_forgetting_keeps_the_id_but_not_the_text(runtime):
    runtime.send("companion", {"message": "My locker code is 4471"}, user_id=USER)
    runtime.send("companion", {"message": "What was my locker code again?"}, user_id=USER)
    assert "4471" in runtime.send("why", {}, user_id=USER).replies[0]
    runtime.send("forget", {"query": "locker code 4471"}, user_id=USER)
    why = runtime.send("why", {}, user_id=USER).replies[0]
    assert "4471" not in why and "asked me to forget" in why


def test_why_before_any_reply(runtime):
    assert "nothing to explain" in runtime.send("why", {}, user_id="nobody").replies[0]


def test_why_says_when_the_reply_model_failed(runtime):
    from companion.ports import ProviderError

    class Down:
        def reply(self, context):
            raise ProviderError("primary and fallback timed out")

    runtime.container.turns.reply_model = Down()
    runtime.send("companion", {"message": "hello?"}, user_id=USER)
    why = runtime.send("why", {}, user_id=USER).replies[0]
    assert "none answered" in why and "timed out" in why


def test_prompt_facts_read_the_prompt_lines():
    prompt = "x\nDEVELOPED QUIRKS: hums (strength: 0.6)\n\nCURRENT NEEDS: social (0.9)\nmore"
    assert prompt_facts(prompt) == {"quirks": "hums (strength: 0.6)", "needs": "social (0.9)"}
