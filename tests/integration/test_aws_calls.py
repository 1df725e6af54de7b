"""The AWS calls the handlers really make are the ones companion/grants.py lists for them.

Each function's handler runs through its real path (signed interaction, queued turn, API request,
scheduled event, migration) with the production wiring built from the environment the template
gives that function, against moto's SQS and Secrets Manager and the embedded PostgreSQL. Every
AWS API call botocore makes inside a handler is recorded; each must be listed for that function.
(The IAM token for the database is signed locally, with no API call: the code scan in
tests/infrastructure/test_grants.py covers it.) What the template grants for the list:
tests/infrastructure/test_grants.py."""
from __future__ import annotations

import importlib.util
import json
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import boto3
import pytest
from botocore.client import BaseClient
from moto import mock_aws
from nacl.signing import SigningKey

from companion import config
from companion.adapters.discord_rest import DiscordRestClient
from companion.config import Settings
from companion.domain.deadline import snowflake_at
from companion.domain.schedules import next_reflection_slot
from companion.grants import FUNCTION_CALLS
from companion.local.discord_sink import BASE_URL, LocalDiscordSink
from companion.local.functions import load_handler
from companion.wiring import Container, set_container
from tests.infrastructure.cfn import REPO_ROOT, load_template
from tests.sample_events import EVENTS, sample_event

USER = "1300000000000000001"


class Recorder:
    """(IAM action, template resource) of each AWS API call made while recording."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []
        self.on = False

    def record(self, client, operation: str, params: dict) -> None:
        if not self.on:
            return
        service = client.meta.service_model.signing_name
        action = f"{service}:{operation.removesuffix('Batch') if service == 'sqs' else operation}"
        if "QueueUrl" in params:
            resource = urlparse(params["QueueUrl"]).path.rsplit("/", 1)[-1].removesuffix(".fifo")
        elif "SecretId" in params:
            resource = params["SecretId"].split(":")[-1].rsplit("-", 1)[0]
        else:
            resource = "?"
        self.calls.append((action, resource))

    @contextmanager
    def handler(self, function: str):
        """Records the calls of one handler invocation and checks them against the manifest."""
        self.calls, self.on = [], True
        try:
            yield self
        finally:
            self.on = False
        listed = {(c.action, c.resource) for c in FUNCTION_CALLS[function]}
        unlisted = set(self.calls) - listed
        assert not unlisted, f"{function} made AWS calls companion/grants.py does not list: {sorted(unlisted)}"


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(config, "_secrets_provider", None)
    recorder = Recorder()
    original = BaseClient._make_api_call

    def recording(client, operation, params):
        recorder.record(client, operation, params)
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    with mock_aws():
        sqs = boto3.client("sqs")
        queue, jobs = (sqs.create_queue(QueueName=f"{name}.fifo", Attributes={
            "FifoQueue": "true", "ContentBasedDeduplication": "false"})["QueueUrl"] for name in ("TurnQueue", "JobQueue"))
        secret = boto3.client("secretsmanager").create_secret(Name="AppSecret", SecretString=json.dumps(
            {"DISCORD_BOT_TOKEN": "bot-token", "CHUTES_API_KEY": "", "GROQ_API_KEY": "", "GEMINI_API_KEY": "",
             "QDRANT_API_KEY": ""}))["ARN"]
        yield recorder, sqs, queue, jobs, secret


class Clock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def as_deployed(function: str, monkeypatch, *, queue: str, jobs: str, secret: str, database_url: str,
                public_key: str) -> None:
    """The environment template.yaml gives ``function``, with this machine's stand-ins: the moto
    queue and secret, the test's database (for the IAM login, which needs Aurora), no Qdrant Cloud."""
    config._secrets_provider = None  # each function is a process of its own: nothing cached yet
    template = load_template()
    env = template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})
    for name in ("TURN_QUEUE_URL", "JOB_QUEUE_URL", "APP_SECRET_ARN", "DATABASE_URL", "DISCORD_PUBLIC_KEY", "DB_SECRET_ARN",
                 "DB_IAM_USER", "DB_HOST", "QDRANT_URL", "REDIS_URL", "CHUTES_API_KEY", "GROQ_API_KEY",
                 "GEMINI_API_KEY", "DISCORD_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    given = {"TURN_QUEUE_URL": queue, "JOB_QUEUE_URL": jobs, "APP_SECRET_ARN": secret, "DISCORD_PUBLIC_KEY": public_key}
    for name, value in given.items():
        if name in env:
            monkeypatch.setenv(name, value)
    if "DB_HOST" in env:
        monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("EMBEDDINGS", "hashing")  # Gemini is not reachable here; it is not an AWS call


def production_container(clock: Clock, sink: LocalDiscordSink) -> Container:
    """get_container()'s wiring (settings and secrets from the environment), with Discord's HTTP
    API answered by the local sink."""
    container = Container(Settings.from_env(), settings_source=Settings.from_env, clock=clock,
                          discord=DiscordRestClient(BASE_URL, http_client=sink.client()))
    set_container(container)
    return container


def signed_command(key: SigningKey, at: datetime, message: str) -> dict:
    body = json.dumps({
        "id": snowflake_at(at, 1), "application_id": "100000000000000000", "type": 2, "token": "tok-1",
        "version": 1, "channel_id": "300000000000000000", "guild_id": "200000000000000000",
        "member": {"user": {"id": USER, "username": "sam"}},
        "data": {"id": "1", "name": "companion", "type": 1,
                 "options": [{"name": "message", "type": 3, "value": message}]},
    })
    timestamp = str(int(at.timestamp()))
    return {"headers": {"x-signature-ed25519": key.sign(timestamp.encode() + body.encode()).signature.hex(),
                        "x-signature-timestamp": timestamp}, "body": body, "isBase64Encoded": False}


def received(sqs, queue: str) -> dict:
    name = urlparse(queue).path.rsplit("/", 1)[-1]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
    return {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                         "attributes": m["Attributes"], "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
                         "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{name}",
                         "awsRegion": "us-east-1"} for m in messages]}


def sample_api_keys(container) -> tuple[str, str]:
    from companion.domain.api_access import ApiKey, hash_key, parse_key_id

    spec = importlib.util.spec_from_file_location("generate", EVENTS / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    for key, role, users in ((generate.SAMPLE_API_CLIENT_KEY, "client", (generate.USER["id"],)),
                             (generate.SAMPLE_API_ADMIN_KEY, "admin", ())):
        container.api_key_repo.insert_key(ApiKey(key_id=parse_key_id(key), key_hash=hash_key(key), role=role,
                                                 user_ids=users, label="sample", created_at=container.clock()))
    return generate.SAMPLE_API_CLIENT_KEY, generate.SAMPLE_API_ADMIN_KEY


def test_every_handler_makes_only_the_aws_calls_listed_for_its_function(aws, database_url, monkeypatch,
                                                                         lambda_context):
    recorder, sqs, queue, jobs, secret = aws
    key = SigningKey.generate()
    where = {"queue": queue, "jobs": jobs, "secret": secret, "database_url": database_url,
             "public_key": key.verify_key.encode().hex()}
    sink = LocalDiscordSink()
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    made: dict[str, set] = {}
    try:
        # Discord -> the interactions function: verified, deferred, queued.
        as_deployed("InteractionsFunction", monkeypatch, **where)
        with recorder.handler("InteractionsFunction") as r:  # the container too: Lambda builds it at init
            production_container(clock, sink)
            response = load_handler("interactions").handler(signed_command(key, clock(), "I adopted a puppy"),
                                                           lambda_context)
        assert json.loads(response["body"])["type"] == 5
        made["InteractionsFunction"] = set(r.calls)

        # The queued turn -> the worker: the app secret, and the new memory's job queued.
        as_deployed("TurnWorkerFunction", monkeypatch, **where)
        delivered = received(sqs, queue)  # what the event source mapping hands the worker
        with recorder.handler("TurnWorkerFunction") as r:
            production_container(clock, sink)
            result = load_handler("turn_worker").handler(delivered, lambda_context)
        assert result == {"batchItemFailures": []} and sink.edits["tok-1"]
        made["TurnWorkerFunction"] = set(r.calls)
        sqs.purge_queue(QueueUrl=queue)

        # The new memory's job -> the job worker.
        as_deployed("JobWorkerFunction", monkeypatch, **where)
        delivered = received(sqs, jobs)
        assert [json.loads(m["body"])["job"] for m in delivered["Records"]] == ["new_memory"]
        with recorder.handler("JobWorkerFunction") as r:
            production_container(clock, sink)
            result = load_handler("job_worker").handler(delivered, lambda_context)
        assert result == {"batchItemFailures": []}
        made["JobWorkerFunction"] = set(r.calls)
        sqs.purge_queue(QueueUrl=jobs)

        # The REST API: a chat turn, and the detailed health (the queue's depth).
        as_deployed("ApiFunction", monkeypatch, **where)
        with recorder.handler("ApiFunction") as init:
            container = production_container(clock, sink)
        made["ApiFunction"] = set(init.calls)
        _, admin_key = sample_api_keys(container)
        detailed = sample_event("api/health.json")
        detailed["rawPath"] = detailed["requestContext"]["http"]["path"] = "/health/detailed"
        detailed["headers"]["authorization"] = f"Bearer {admin_key}"
        with recorder.handler("ApiFunction") as r:
            api = load_handler("api").handler
            chat = api(sample_event("api/chat_message.json"), lambda_context)
            health = api(detailed, lambda_context)
        assert chat["statusCode"] == 200, chat["body"]
        checks = {c["name"]: c["status"] for c in json.loads(health["body"])["checks"]}
        assert health["statusCode"] == 200 and checks["queue"] == "ok", health["body"]
        made["ApiFunction"] |= set(r.calls)

        # The schedules, a day later: the sweeps fan out per-user jobs onto the job queue (the
        # reflection sweep once at the user's night: a first sweep only schedules it).
        clock.at += timedelta(days=1)
        night = next_reflection_slot(USER, "UTC", clock()) + timedelta(minutes=5)
        for function, name, event in (
                ("NeedDecayFunction", "need_decay", "need_decay/scheduled.json"),
                ("ProactiveSweepFunction", "proactive_sweep", "proactive_sweep/scheduled.json"),
                ("ReflectionSweepFunction", "reflection_sweep", "reflection_sweep/scheduled.json"),
                ("RetentionPurgeFunction", "retention_purge", "retention_purge/scheduled.json")):
            as_deployed(function, monkeypatch, **where)
            with recorder.handler(function) as r:
                production_container(clock, sink)
                outcome = load_handler(name).handler(sample_event(event), lambda_context)
                if function == "ReflectionSweepFunction":
                    clock.at, before = night, clock.at
                    outcome = load_handler(name).handler(sample_event(event), lambda_context)
                    clock.at = before
                    assert outcome["jobs_enqueued"] == 1
            assert outcome["status"] == "done", (function, outcome)
            made[function] = set(r.calls)

        # A deploy's migration run (the app secret is read with the settings).
        as_deployed("MigrateFunction", monkeypatch, **where)
        monkeypatch.setenv("MIGRATIONS_DIR", str(REPO_ROOT / "migrations"))  # `sam build` copies them beside app.py
        with recorder.handler("MigrateFunction") as r:
            assert load_handler("migrate").handler({"action": "migrate"}, lambda_context) == {"applied": []}
        made["MigrateFunction"] = set(r.calls)
    finally:
        set_container(None)

    # The recording saw the calls that matter (so an empty recording cannot pass for a clean one).
    assert made["InteractionsFunction"] == {("sqs:SendMessage", "TurnQueue")}
    assert ("secretsmanager:GetSecretValue", "AppSecret") in made["TurnWorkerFunction"]
    assert ("sqs:SendMessage", "JobQueue") in made["TurnWorkerFunction"]  # the new memory's job
    assert made["JobWorkerFunction"] == {("secretsmanager:GetSecretValue", "AppSecret")}
    assert ("sqs:GetQueueAttributes", "TurnQueue") in made["ApiFunction"]
    assert made["ProactiveSweepFunction"] == made["ReflectionSweepFunction"] == {("sqs:SendMessage", "JobQueue")}
    assert made["NeedDecayFunction"] == set()
    # The purge deletes expired memories' points in Qdrant, whose key is in the app secret.
    assert made["RetentionPurgeFunction"] == {("secretsmanager:GetSecretValue", "AppSecret")}
    assert made["MigrateFunction"] == {("secretsmanager:GetSecretValue", "AppSecret")}
