"""POST /chat/message is the Discord turn, answered synchronously; Idempotency-Key makes retries safe."""
from .conftest import ALICE, bearer


def say(client, key, message, idempotency_key=None, user=ALICE):
    headers = bearer(key) | ({"Idempotency-Key": idempotency_key} if idempotency_key else {})
    return client.post("/chat/message", json={"user_id": user, "message": message}, headers=headers)


def test_a_message_is_a_full_turn(client, keys, runtime):
    first = say(client, keys.alice, "I got a new puppy today!")
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "replied" and body["replayed"] is False and len(body["reply"]) > 10

    second = say(client, keys.alice, "His name is Sparky.").json()
    assert second["memories_retrieved"] >= 1 and "puppy" in second["reply"]  # recall reached the reply

    c = runtime.container
    log = c.interaction_repo.list_interactions(ALICE)
    assert [i.user_message for i in log] == ["I got a new puppy today!", "His name is Sparky."]
    assert log[-1].agent_response == second["reply"]
    assert c.memory_repo.count_memories(ALICE) == 2
    # The same companion the Discord path talks to: a slash command sees the API's memories.
    assert "Sparky" in runtime.send("memories", {"query": "puppy"}, user_id=ALICE).replies[0]


def test_one_idempotency_key_is_one_turn_and_one_memory(client, keys, runtime):
    first = say(client, keys.alice, "I got a new puppy today!", idempotency_key="retry-me-1")
    again = say(client, keys.alice, "I got a new puppy today!", idempotency_key="retry-me-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() | {"replayed": True}
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    c = runtime.container
    assert len(c.interaction_repo.list_interactions(ALICE)) == 1
    assert c.memory_repo.count_memories(ALICE) == 1

    # Without a key, the same words are a new message.
    say(client, keys.alice, "I got a new puppy today!")
    assert len(c.interaction_repo.list_interactions(ALICE)) == 2


def test_a_retry_after_the_record_is_lost_still_does_not_repeat_the_turn(client, keys, runtime):
    first = say(client, keys.alice, "My sister lives in Lisbon.", idempotency_key="k-2").json()
    runtime.container.admin.cleanup(idempotency_max_age=__import__("datetime").timedelta(0), reindex_users=0)
    again = say(client, keys.alice, "My sister lives in Lisbon.", idempotency_key="k-2").json()
    assert again["reply"] == first["reply"] and again["replayed"] is True and again["status"] == "duplicate"
    assert len(runtime.container.interaction_repo.list_interactions(ALICE)) == 1


def test_a_key_reused_for_another_request_is_refused(client, keys, runtime):
    say(client, keys.alice, "first message", idempotency_key="k-3")
    reused = say(client, keys.alice, "a different message", idempotency_key="k-3")
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert len(runtime.container.interaction_repo.list_interactions(ALICE)) == 1


def test_a_retry_while_the_first_request_runs_elsewhere_is_told_to_wait(client, keys, runtime):
    """Another Lambda container is still answering the first request with this key."""
    from datetime import timedelta

    from companion.domain.api_access import request_fingerprint
    from companion.services.idempotency import STALE_CLAIM

    c = runtime.container
    body = {"user_id": ALICE, "message": "hello slow world", "username": ""}
    started = c.clock()
    assert c.idempotency_repo.claim(ALICE, "k-4", request_fingerprint(body), started, STALE_CLAIM) is None
    busy = say(client, keys.alice, "hello slow world", idempotency_key="k-4")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "idempotency_in_progress"
    assert busy.headers["Retry-After"]
    assert c.interaction_repo.list_interactions(ALICE) == []

    # If that container died, the claim goes stale and a retry runs the turn, once.
    c.clock = lambda: started + STALE_CLAIM + timedelta(seconds=1)
    c.chat.clock = c.clock
    taken_over = say(client, keys.alice, "hello slow world", idempotency_key="k-4")
    assert taken_over.status_code == 200 and taken_over.json()["replayed"] is False
    assert len(c.interaction_repo.list_interactions(ALICE)) == 1


def test_a_failed_request_frees_its_key_for_the_retry(client, keys, runtime):
    c = runtime.container
    real_reply = c.reply_model.reply
    c.reply_model.reply = lambda context: (_ for _ in ()).throw(RuntimeError("bug in the model adapter"))
    failed = say(client, keys.alice, "try this", idempotency_key="k-5")
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "internal_error"
    c.reply_model.reply = real_reply
    retried = say(client, keys.alice, "try this", idempotency_key="k-5")
    assert retried.status_code == 200 and retried.json()["replayed"] is False
    assert len(c.interaction_repo.list_interactions(ALICE)) == 1


def test_bad_messages_are_422_and_store_nothing(client, keys, runtime):
    for message in ["", "   ", "x" * 4001, "nul \x00 inside"]:
        response = say(client, keys.alice, message)
        assert response.status_code == 422, message
        error = response.json()["error"]
        assert error["code"] == "validation_error" and error["details"][0]["loc"][-1] == "message"
    for body in [{"user_id": ALICE}, {"user_id": ALICE, "message": "hi", "extra": 1}, {"user_id": "no spaces", "message": "hi"}]:
        assert client.post("/chat/message", json=body, headers=bearer(keys.admin)).status_code == 422
    for raw in [b"{not json", b'{"user_id": "1", "message": "lone \\ud800 surrogate"}', b"\xff\xfe"]:
        response = client.post("/chat/message", content=raw, headers=bearer(keys.admin)
                               | {"content-type": "application/json"})
        assert response.status_code == 422, (raw, response.text)
    assert runtime.container.interaction_repo.list_interactions(ALICE) == []


def test_session_shows_the_open_conversation(client, keys, runtime):
    assert client.get(f"/chat/session/{ALICE}", headers=bearer(keys.alice)).json()["error"]["code"] == "user_not_found"
    say(client, keys.alice, "Good morning!")
    say(client, keys.alice, "I slept well.")
    session = client.get(f"/chat/session/{ALICE}?recent=1", headers=bearer(keys.alice)).json()
    assert session["active"] is True and session["message_count"] == 2 and session["session_id"]
    assert [e["user_message"] for e in session["recent"]] == ["I slept well."]


def test_a_database_outage_is_503_with_retry_after(client, keys, runtime):
    say(client, keys.alice, "hello")
    db = runtime.container.database
    db.close()
    db._conninfo = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"
    response = client.get(f"/chat/session/{ALICE}", headers=bearer(keys.admin))
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.json()["error"]["code"] == "service_unavailable"
