"""Text PostgreSQL and the embedder cannot take never reaches them: the turn is answered, stored
once, and nothing is dead-lettered."""
import json


def test_nul_and_lone_surrogates_are_answered_and_stored(runtime):
    for message in ("I love\x00 pizza", "my cat \ud83d is called Tom"):
        exchange = runtime.send("companion", {"message": message}, user_id="u1")
        assert exchange.status == 200 and len(exchange.replies) == 1
    stored = [i.user_message for i in runtime.container.interaction_repo.list_interactions("u1")]
    assert sorted(stored) == ["I love pizza", "my cat  is called Tom"]
    assert runtime.queue.dead_letters == []


def test_signed_data_array_is_a_400_not_a_500(runtime, lambda_context):
    from companion.local.functions import load_handler

    payload = runtime.interaction("companion", {"message": "hi"}, "u1", "u") | {"data": []}
    response = load_handler("interactions").handler(runtime.signed_event(json.dumps(payload)), lambda_context)
    assert response["statusCode"] == 400
    assert len(runtime.queue) == 0
