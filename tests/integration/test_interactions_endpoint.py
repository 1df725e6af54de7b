"""The interactions function: signature checks, PING, deferral, queueing, bad input."""
import base64
import json

from companion.domain.models import MAX_MESSAGE_CHARS


def call(runtime, event, lambda_context):
    from companion.local.functions import load_handler

    response = load_handler("interactions").handler(event, lambda_context)
    return response["statusCode"], json.loads(response["body"])


def test_ping_is_answered_with_pong(runtime, lambda_context):
    status, body = call(runtime, runtime.signed_event(json.dumps({"type": 1})), lambda_context)
    assert (status, body) == (200, {"type": 1})


def test_unsigned_request_is_rejected_and_nothing_is_queued(runtime, lambda_context):
    payload = runtime.interaction("companion", {"message": "hi"}, "u1", "u")
    event = runtime.signed_event(json.dumps(payload))
    del event["headers"]["x-signature-ed25519"]
    status, _ = call(runtime, event, lambda_context)
    assert status == 401
    assert len(runtime.queue) == 0


def test_tampered_body_fails_verification(runtime, lambda_context):
    payload = runtime.interaction("companion", {"message": "hi"}, "u1", "u")
    event = runtime.signed_event(json.dumps(payload))
    event["body"] = event["body"].replace('"hi"', '"hello"')
    assert call(runtime, event, lambda_context)[0] == 401
    event = runtime.signed_event(json.dumps(payload))
    event["headers"]["x-signature-ed25519"] = "zz" * 64  # not even hex
    assert call(runtime, event, lambda_context)[0] == 401
    assert len(runtime.queue) == 0


def test_slash_command_is_deferred_and_queued_once_per_interaction(runtime, lambda_context):
    payload = runtime.interaction("companion", {"message": "hello"}, "u1", "u")
    event = runtime.signed_event(json.dumps(payload))
    status, body = call(runtime, event, lambda_context)
    assert (status, body["type"]) == (200, 5)
    call(runtime, event, lambda_context)  # Discord retrying the same interaction
    assert len(runtime.queue) == 1


def test_private_commands_are_deferred_ephemeral(runtime, lambda_context):
    payload = runtime.interaction("memories", {"query": "dog"}, "u1", "u")
    status, body = call(runtime, runtime.signed_event(json.dumps(payload)), lambda_context)
    assert body == {"type": 5, "data": {"flags": 64}}


def test_base64_bodies_are_decoded_before_verification(runtime, lambda_context):
    event = runtime.signed_event(json.dumps({"type": 1}))
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True
    assert call(runtime, event, lambda_context) == (200, {"type": 1})


def test_oversized_message_gets_a_clear_answer_and_is_not_queued(runtime, lambda_context):
    payload = runtime.interaction("companion", {"message": "x" * (MAX_MESSAGE_CHARS + 1)}, "u1", "u")
    status, body = call(runtime, runtime.signed_event(json.dumps(payload)), lambda_context)
    assert status == 200 and body["type"] == 4
    assert "split it up" in body["data"]["content"]
    assert len(runtime.queue) == 0


def test_malformed_events_get_400(runtime, lambda_context):
    assert call(runtime, {"body": "!!!", "isBase64Encoded": True, "headers": {}}, lambda_context)[0] == 400
    signed_garbage = runtime.signed_event("not json")
    assert call(runtime, signed_garbage, lambda_context)[0] == 400
    unknown_type = runtime.signed_event(json.dumps({"type": 99}))
    assert call(runtime, unknown_type, lambda_context)[0] == 400


def test_unknown_command_is_answered_not_queued(runtime, lambda_context):
    payload = runtime.interaction("dance", {}, "u1", "u")
    status, body = call(runtime, runtime.signed_event(json.dumps(payload)), lambda_context)
    assert body["type"] == 4 and "/dance" in body["data"]["content"]
    assert len(runtime.queue) == 0


def test_queue_outage_tells_the_user_to_retry(runtime, lambda_context):
    class DownQueue:
        def send(self, *args, **kwargs):
            raise ConnectionError("SQS unreachable")

    runtime.container.webhook._queue = DownQueue()
    payload = runtime.interaction("companion", {"message": "hello"}, "u1", "u")
    status, body = call(runtime, runtime.signed_event(json.dumps(payload)), lambda_context)
    assert status == 200 and body["type"] == 4 and "try again" in body["data"]["content"]


def test_a_pressed_button_is_deferred_as_a_message_update_and_queued_for_the_presser(runtime, lambda_context):
    payload = runtime.interaction("", {}, "u1", "u")
    payload.update(type=3, data={"custom_id": "forget-me:confirm", "component_type": 2})
    status, body = call(runtime, runtime.signed_event(json.dumps(payload)), lambda_context)
    assert (status, body) == (200, {"type": 6})
    assert len(runtime.queue) == 1
    turn = json.loads(runtime.queue._pending[0]["body"])
    assert (turn["command"], turn["options"], turn["user_id"]) == ("forget-me", {"confirm": "yes"}, "u1")


def test_an_unknown_button_queues_nothing(runtime, lambda_context):
    payload = runtime.interaction("", {}, "u1", "u")
    payload.update(type=3, data={"custom_id": "something-old", "component_type": 2})
    status, body = call(runtime, runtime.signed_event(json.dumps(payload)), lambda_context)
    assert status == 200 and body["type"] == 4 and "no longer" in body["data"]["content"]
    assert len(runtime.queue) == 0
