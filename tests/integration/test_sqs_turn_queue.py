"""The interactions handler against SQS FIFO (moto): what it sends is what the worker gets."""
import json
from datetime import datetime, timezone

from nacl.signing import SigningKey

from companion.adapters.queues import SqsTurnQueue
from companion.config import Settings
from companion.local.functions import load_handler
from companion.wiring import Container, set_container


def test_deferred_command_lands_on_the_fifo_queue_grouped_by_user(sqs, lambda_context):
    client, url = sqs
    key = SigningKey.generate()
    set_container(Container(
        Settings(discord_public_key=key.verify_key.encode().hex(), turn_queue_url=url),
        queue=SqsTurnQueue(url, client),
        clock=lambda: datetime.fromtimestamp(1700000000, timezone.utc),  # when the request was signed
    ))
    try:
        interaction = {
            "id": "1234567890", "application_id": "42", "type": 2, "token": "tok",
            "user": {"id": "777", "username": "dm-user"},  # a DM: user, not member.user
            "data": {"name": "companion", "options": [{"name": "message", "type": 3, "value": "hi"}]},
        }
        body = json.dumps(interaction)
        signature = key.sign(b"1700000000" + body.encode()).signature.hex()
        event = {"headers": {"X-Signature-Ed25519": signature, "X-Signature-Timestamp": "1700000000"},
                 "body": body, "isBase64Encoded": False}
        handler = load_handler("interactions").handler
        response = handler(event, lambda_context)
        assert json.loads(response["body"])["type"] == 5
        handler(event, lambda_context)  # Discord's retry: deduplicated by interaction id
    finally:
        set_container(None)

    messages = client.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId", "MessageDeduplicationId"]
    )["Messages"]
    assert len(messages) == 1
    assert messages[0]["Attributes"]["MessageGroupId"] == "777"
    assert messages[0]["Attributes"]["MessageDeduplicationId"] == "1234567890"
    turn = json.loads(messages[0]["Body"])
    assert turn["user_id"] == "777" and turn["options"] == {"message": "hi"} and turn["token"] == "tok"
