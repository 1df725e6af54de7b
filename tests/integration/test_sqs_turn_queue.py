"""The interactions handler against SQS FIFO (moto): what it sends is what the worker gets."""
import json

import boto3
import pytest
from moto import mock_aws
from nacl.signing import SigningKey

from companion.adapters.queues import SqsTurnQueue
from companion.config import Settings
from companion.local.functions import load_handler
from companion.wiring import Container, set_container


@pytest.fixture
def sqs():
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        url = client.create_queue(
            QueueName="companion-turns.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
        )["QueueUrl"]
        yield client, url


def test_deferred_command_lands_on_the_fifo_queue_grouped_by_user(sqs, lambda_context):
    client, url = sqs
    key = SigningKey.generate()
    set_container(Container(
        Settings(discord_public_key=key.verify_key.encode().hex(), turn_queue_url=url),
        queue=SqsTurnQueue(url, client),
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


def test_settings_read_secrets_from_secrets_manager():
    with mock_aws():
        sm = boto3.client("secretsmanager", region_name="us-east-1")
        app = sm.create_secret(Name="app", SecretString=json.dumps({"DISCORD_PUBLIC_KEY": "ab" * 32, "GROQ_API_KEY": "gsk"}))["ARN"]
        db = sm.create_secret(Name="db", SecretString=json.dumps({"username": "companion", "password": "p@ss/word"}))["ARN"]
        settings = Settings.from_env({
            "APP_SECRET_ARN": app, "DB_SECRET_ARN": db, "DB_HOST": "cluster.example", "DB_NAME": "companion",
            "TURN_QUEUE_URL": "https://sqs/q.fifo", "EMBEDDING_DIMENSIONS": "768",
        })
    assert settings.discord_public_key == "ab" * 32 and settings.groq_api_key == "gsk"
    assert settings.database_url == "postgresql://companion:p%40ss%2Fword@cluster.example:5432/companion?sslmode=require"
    assert settings.embedding_dimensions == 768
