"""The interactions function against replays and arbitrary input: a validly signed request
outside the 5-minute window is refused like a forged one, and no payload yields a 5xx."""
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from nacl.signing import SigningKey

from companion.adapters.discord_webhook import REPLAY_WINDOW_SECONDS


def call(event, lambda_context):
    from companion.local.functions import load_handler

    response = load_handler("interactions").handler(event, lambda_context)
    return response["statusCode"], json.loads(response["body"])


def now(runtime) -> int:
    return int(runtime.container.clock().timestamp())


@pytest.fixture
def runtime(runtime):
    """The local runtime with its clock stopped, so window edges are exact."""
    from datetime import datetime, timezone

    stopped = datetime.fromtimestamp(int(runtime.container.clock().timestamp()), timezone.utc)
    runtime.container.clock = lambda: stopped
    return runtime


@pytest.mark.parametrize("skew", [-(REPLAY_WINDOW_SECONDS + 1), REPLAY_WINDOW_SECONDS + 1, -86400, 10**6])
def test_stale_or_future_timestamp_is_refused_and_nothing_is_queued(runtime, lambda_context, skew):
    payload = runtime.interaction("companion", {"message": "hi"}, "u1", "u")
    event = runtime.signed_event(json.dumps(payload), timestamp=now(runtime) + skew)
    status, body = call(event, lambda_context)
    assert status == 401 and "signature" in body["error"]
    assert len(runtime.queue) == 0


@pytest.mark.parametrize("skew", [-REPLAY_WINDOW_SECONDS, -30, 0, 30, REPLAY_WINDOW_SECONDS])
def test_timestamps_inside_the_window_are_accepted(runtime, lambda_context, skew):
    payload = runtime.interaction("companion", {"message": "hi"}, "u1", "u")
    event = runtime.signed_event(json.dumps(payload), timestamp=now(runtime) + skew)
    assert call(event, lambda_context)[0] == 200
    assert len(runtime.queue) == 1


@pytest.mark.parametrize("timestamp", ["", "abc", "-5", "1e9", " 1700000000", "١٧٠٠٠٠٠٠٠٠", "9" * 40])
def test_malformed_timestamps_are_refused(runtime, lambda_context, timestamp):
    body = json.dumps(runtime.interaction("companion", {"message": "hi"}, "u1", "u"))
    event = runtime.signed_event(body)
    signature = runtime._key.sign(timestamp.encode() + body.encode()).signature.hex()
    event["headers"].update({"x-signature-timestamp": timestamp, "x-signature-ed25519": signature})
    assert call(event, lambda_context)[0] == 401
    assert len(runtime.queue) == 0


def test_request_signed_with_another_key_is_refused(runtime, lambda_context):
    body = json.dumps(runtime.interaction("companion", {"message": "hi"}, "u1", "u"))
    event = runtime.signed_event(body)
    timestamp = event["headers"]["x-signature-timestamp"]
    event["headers"]["x-signature-ed25519"] = SigningKey.generate().sign(
        timestamp.encode() + body.encode()).signature.hex()
    assert call(event, lambda_context)[0] == 401
    assert len(runtime.queue) == 0


def test_a_replayed_request_is_refused_once_the_window_has_passed(runtime, lambda_context):
    payload = runtime.interaction("companion", {"message": "hi"}, "u1", "u")
    event = runtime.signed_event(json.dumps(payload))
    assert call(event, lambda_context)[0] == 200
    runtime.queue.drain(lambda *a: {"batchItemFailures": []}, lambda_context)
    start = runtime.container.clock()
    from datetime import timedelta

    runtime.container.clock = lambda: start + timedelta(seconds=REPLAY_WINDOW_SECONDS + 5)
    assert call(event, lambda_context)[0] == 401
    assert len(runtime.queue) == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
option = st.fixed_dictionaries({"name": st.sampled_from(["message", "query", "x"])},
                                optional={"value": json_values, "type": st.integers(0, 12)})
interaction = st.fixed_dictionaries(
    {"type": st.sampled_from([1, 2, 3, 99, "2", None])},
    optional={
        "id": json_values, "application_id": json_values, "token": json_values,
        "member": st.fixed_dictionaries({}, optional={"user": st.dictionaries(
            st.sampled_from(["id", "username"]), json_values)}) | json_values,
        "user": st.dictionaries(st.sampled_from(["id", "username"]), json_values) | json_values,
        "data": st.fixed_dictionaries({}, optional={
            "name": st.sampled_from(["companion", "memories", "personality", "dance"]) | json_values,
            "options": st.lists(option | json_values, max_size=3) | json_values,
        }) | json_values,
        "channel_id": json_values, "guild_id": json_values,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=interaction | json_values, signed=st.booleans(), base64=st.booleans(),
       headers=st.dictionaries(st.text(max_size=24), st.text(max_size=40), max_size=3))
def test_no_payload_yields_a_5xx(runtime, lambda_context, payload, signed, base64, headers):
    import base64 as b64

    body = json.dumps(payload)
    event = runtime.signed_event(body) if signed else {"headers": headers, "body": body}
    if base64:
        event["body"] = b64.b64encode(event["body"].encode()).decode()
        event["isBase64Encoded"] = True
    status, response = call(event, lambda_context)
    assert status < 500, response
    runtime.queue.drain(lambda *a: {"batchItemFailures": []}, lambda_context)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=json_values | st.dictionaries(st.sampled_from(["headers", "body", "isBase64Encoded"]), json_values))
def test_no_event_shape_yields_a_5xx(runtime, lambda_context, event):
    status, _ = call(event, lambda_context)
    assert status < 500
