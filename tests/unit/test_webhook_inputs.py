"""The webhook edge: a signed body is authentic, not well-formed. Any shape gets a 200 or a 400
(never a 500), and what is queued is text every store can take."""
import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from companion.domain.models import Turn
from companion.domain.text import is_clean
from companion.adapters.discord_webhook import InteractionWebhook

KEY = SigningKey(b"\x07" * 32)


class Queue:
    def __init__(self):
        self.sent = []

    def send(self, body, *, group_id, dedup_id):
        json.dumps(body)  # what SQS would be sent must serialise
        self.sent.append(body)


def signed(payload) -> tuple[bytes, str, str]:
    raw = json.dumps(payload).encode()
    timestamp = str(int(time.time()))
    return raw, KEY.sign(timestamp.encode() + raw).signature.hex(), timestamp


def handle(payload):
    queue = Queue()
    webhook = InteractionWebhook(KEY.verify_key.encode().hex(), queue)
    return webhook.handle(*signed(payload)), queue.sent


def command(message, **extra):
    return {"type": 2, "id": "1311111111111111111", "application_id": "42", "token": "tok",
            "member": {"user": {"id": "7", "username": "ann"}},
            "data": {"name": "companion", "options": [{"name": "message", "type": 3, "value": message}]}, **extra}


def test_nul_and_lone_surrogates_are_removed_before_queueing():
    response, [queued] = handle(command("hi\x00 there \ud800friend\udfff"))
    assert response.status == 200 and response.body["type"] == 5
    assert Turn.from_dict(queued).message == "hi there friend"
    assert queued["options"]["message"].encode("utf-8")  # encodable: no lone surrogate is left


def test_a_message_of_nothing_but_unstorable_characters_is_queued_empty_and_answered_clearly():
    response, [queued] = handle(command("\x00\ud83d"))
    assert response.status == 200
    assert Turn.from_dict(queued).message == ""  # the worker answers "You didn't say anything."


def test_signed_but_malformed_shapes_are_400():
    for payload in (command("hi", data=[]), command("hi", data={"name": 5}), command("hi", member=[]),
                    command("hi", data={"name": "companion", "options": "x"}),
                    command("hi", data={"name": "companion", "options": [{"name": "message", "value": {"a": 1}}]}),
                    command("hi", id=None), command("hi", token=["t"]), [], "text", 7):
        response, sent = handle(payload)
        assert response.status == 400, payload
        assert sent == []


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
NAMES = st.sampled_from(["companion", "memories", "personality"]) | st.text(max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ids=st.fixed_dictionaries({k: st.text(max_size=20) | st.integers() | JSON
                               for k in ("id", "application_id", "token")}),
    user=JSON | st.fixed_dictionaries({"id": st.text(max_size=20) | JSON, "username": st.text() | JSON}),
    data=JSON | st.fixed_dictionaries({
        "name": NAMES | JSON,
        "custom_id": st.sampled_from(["forget-me:confirm", "forget-me:cancel"]) | JSON,
        "options": JSON | st.lists(st.fixed_dictionaries({"name": st.text(max_size=8) | JSON, "value": st.text() | JSON}), max_size=3),
    }),
    where=st.sampled_from(["member", "user"]),
    kind=st.sampled_from([2, 3]),  # slash commands and button presses
)
def test_fuzzed_signed_interactions_are_answered_200_or_400(ids, user, data, where, kind):
    payload = {"type": kind, **ids, "data": data}
    payload[where] = {"user": user} if where == "member" else user
    response, sent = handle(payload)
    assert response.status in (200, 400)
    for body in sent:
        turn = Turn.from_dict(json.loads(json.dumps(body)))
        assert is_clean(turn.message) and is_clean(turn.username) and is_clean(turn.interaction_id)
