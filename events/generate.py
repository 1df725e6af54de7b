"""Regenerates the sample events: `.venv/bin/python events/generate.py`.

Layout: `events/<function>/<case>.json`, where <function> is the folder in functions/ whose handler
takes the event (events/README.md gives each one's `sam local invoke` line).

The interaction events are signed for real with a fixed sample key (never use it for a real
application): set DISCORD_PUBLIC_KEY to SAMPLE_PUBLIC_KEY (printed, and in events/README.md) and
the interactions function accepts them. They are signed at a fixed time, and the interactions
function refuses a signature more than 5 minutes from its clock (replays): for `sam local invoke`,
sign them at the current time with `SAMPLE_EVENTS_TIMESTAMP=$(date +%s) .venv/bin/python
events/generate.py` (and do not commit those).
"""
import json
import os
from pathlib import Path

from nacl.signing import SigningKey

HERE = Path(__file__).parent
SAMPLE_SEED = b"companion-sample-events-seed-32b"  # 32 bytes
SIGNING_KEY = SigningKey(SAMPLE_SEED)
SAMPLE_PUBLIC_KEY = SIGNING_KEY.verify_key.encode().hex()
TIMESTAMP = os.environ.get("SAMPLE_EVENTS_TIMESTAMP", "1764028800")  # 2025-11-25T00:00:00Z
APPLICATION_ID = "1300000000000000000"
USER = {"id": "1300000000000000001", "username": "sample_user", "global_name": "Sample"}


def http_api_event(body: dict) -> dict:
    """An API Gateway HTTP API (payload format 2.0) request, as Discord's POST arrives."""
    raw = json.dumps(body, separators=(",", ":"))
    signature = SIGNING_KEY.sign(TIMESTAMP.encode() + raw.encode()).signature.hex()
    return {
        "version": "2.0",
        "routeKey": "POST /interactions",
        "rawPath": "/interactions",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/json",
            "user-agent": "Discord-Interactions/1.0 (+https://discord.com)",
            "x-signature-ed25519": signature,
            "x-signature-timestamp": TIMESTAMP,
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com",
            "http": {"method": "POST", "path": "/interactions", "protocol": "HTTP/1.1",
                     "sourceIp": "162.159.128.233", "userAgent": "Discord-Interactions/1.0 (+https://discord.com)"},
            "requestId": "sample-request-id",
            "routeKey": "POST /interactions",
            "stage": "$default",
            "time": "25/Nov/2025:00:00:00 +0000",
            "timeEpoch": 1764028800000,
        },
        "body": raw,
        "isBase64Encoded": False,
    }


# Sample REST API keys (functions/api), never valid anywhere real: tests store their hashes.
SAMPLE_API_CLIENT_KEY = "cmp_5a3b1e0c0001_" + "sample-client-key-never-use-it-for-real-0001"[:43]
SAMPLE_API_ADMIN_KEY = "cmp_5a3b1e0ad001_" + "sample-admin-key-never-use-it-for-real-00001"[:43]


def api_event(method: str, path: str, *, key: str | None = None, body: dict | None = None,
              headers: dict | None = None) -> dict:
    """An API Gateway HTTP API (payload 2.0) request to the REST API function."""
    raw = json.dumps(body, separators=(",", ":")) if body is not None else None
    all_headers = {"accept": "application/json", "user-agent": "curl/8.5.0", **(headers or {})}
    if key:
        all_headers["authorization"] = f"Bearer {key}"
    if raw is not None:
        all_headers["content-type"] = "application/json"
    event = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7",
                     "userAgent": "curl/8.5.0"},
            "requestId": "sample-api-request-id",
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": "25/Nov/2025:00:00:00 +0000",
            "timeEpoch": 1764028800000,
        },
        "isBase64Encoded": False,
    }
    if raw is not None:
        event["body"] = raw
    return event


def command(interaction_id: str, name: str, options: dict) -> dict:
    return {
        "id": interaction_id,
        "application_id": APPLICATION_ID,
        "type": 2,
        "token": f"sample-interaction-token-{interaction_id}",
        "version": 1,
        "guild_id": "1300000000000000100",
        "channel_id": "1300000000000000200",
        "member": {"user": USER, "roles": [], "permissions": "2248473465835073"},
        "data": {"id": "1300000000000000300", "name": name, "type": 1,
                 "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()]},
    }


def turn(interaction: dict) -> dict:
    """The queued turn the interactions function makes of an interaction (Turn.to_dict)."""
    return {
        "interaction_id": interaction["id"],
        "application_id": interaction["application_id"],
        "token": interaction["token"],
        "user_id": USER["id"],
        "username": USER["username"],
        "command": interaction["data"]["name"],
        "options": {o["name"]: o["value"] for o in interaction["data"]["options"]},
        "channel_id": interaction["channel_id"],
        "guild_id": interaction["guild_id"],
    }


def sqs_record(body: dict, sequence: int) -> dict:
    return {
        "messageId": f"0e1d2c3b-4a59-4687-9a1b-{sequence:012d}",
        "receiptHandle": f"sample-receipt-handle-{sequence}",
        "body": json.dumps(body),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1764028800000",
            "SequenceNumber": f"1880000000000000000{sequence:02d}",
            "MessageGroupId": body["user_id"],
            "SenderId": "AROAEXAMPLE:companion-InteractionsFunction",
            "MessageDeduplicationId": body["interaction_id"],
            "ApproximateFirstReceiveTimestamp": "1764028800100",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:companion-TurnQueue.fifo",
        "awsRegion": "us-east-1",
    }


def scheduled(name: str, time: str) -> dict:
    """What the schedule's Input in template.yaml becomes when EventBridge Scheduler fires it."""
    from datetime import datetime

    from companion.domain.schedules import SCHEDULES, scheduled_event

    schedule = next(s for s in SCHEDULES if s.name == name)
    at = datetime.fromisoformat(time.replace("Z", "+00:00"))
    return scheduled_event(schedule, at, account="123456789012", region="us-east-1")


SENDERS = {"proactive": "ProactiveSweepFunction", "reflection": "ReflectionSweepFunction",
           "new_memory": "TurnWorkerFunction"}


def job(kind: str, user_id: str, slot: str, sequence: int, **subject: str) -> dict:
    """A per-user job as a sweep (or a turn) queues it: an SQS FIFO record on the job queue."""
    from companion.domain.schedules import UserJob

    body = {"job": kind, "user_id": user_id, "slot": slot, **subject}
    record = sqs_record({"interaction_id": UserJob.from_dict(body).dedup_id, **body}, sequence)
    record["body"] = json.dumps(body)
    record["attributes"]["MessageGroupId"] = user_id
    record["attributes"]["SenderId"] = f"AROAEXAMPLE:companion-{SENDERS[kind]}"
    record["eventSourceARN"] = record["eventSourceARN"].replace("TurnQueue", "JobQueue")
    return record


def main() -> None:
    from companion.services.turn import turn_memory_id

    puppy = command("1300000000000001001", "companion", {"message": "I got a new puppy today!"})
    sparky = command("1300000000000001002", "companion", {"message": "His name is Sparky and he's a golden retriever."})
    events = {
        "interactions/ping.json": http_api_event({"id": "1300000000000000999", "application_id": APPLICATION_ID, "type": 1, "token": "ping-token", "version": 1}),
        "interactions/companion.json": http_api_event(puppy),
        "turn_worker/batch.json": {"Records": [sqs_record(turn(puppy), 1), sqs_record(turn(sparky), 2)]},
        "migrate/direct.json": {"action": "migrate"},
        "migrate/reindex.json": {"action": "reindex-vectors"},
        "api/health.json": api_event("GET", "/health"),
        "api/chat_message.json": api_event(
            "POST", "/chat/message", key=SAMPLE_API_CLIENT_KEY, headers={"idempotency-key": "sample-retry-key-1"},
            body={"user_id": USER["id"], "message": "I got a new puppy today!", "username": USER["username"]}),
        "api/personality_current.json": api_event("GET", f"/personality/current/{USER['id']}", key=SAMPLE_API_CLIENT_KEY),
        "api/admin_stats.json": api_event("GET", "/admin/stats", key=SAMPLE_API_ADMIN_KEY),
        "api/chat_proactive.json": api_event("POST", f"/chat/proactive/{USER['id']}", key=SAMPLE_API_ADMIN_KEY,
                                             body={"force": True}),
        "api/memory_consolidate.json": api_event("POST", f"/memory/consolidate/{USER['id']}",
                                                 key=SAMPLE_API_CLIENT_KEY),
        "need_decay/scheduled.json": scheduled("need-decay", "2025-11-25T14:00:00Z"),
        "proactive_sweep/scheduled.json": scheduled("proactive-sweep", "2025-11-25T14:05:00Z"),
        # The sweep after the sample user's reflection minute (02:02 on their clock, UTC).
        "reflection_sweep/scheduled.json": scheduled("nightly-reflection", "2025-11-26T02:15:00Z"),
        "retention_purge/scheduled.json": scheduled("retention-purge", "2025-11-26T04:30:00Z"),
        "job_worker/proactive_job.json": {"Records": [job("proactive", USER["id"], "2025-11-25T14:05:00+00:00", 3)]},
        "job_worker/reflection_job.json": {"Records": [job("reflection", USER["id"], "2025-11-26T02:02:00+00:00", 4)]},
        # The puppy turn's new memory (its id is derived from the interaction id: services/turn.py).
        "job_worker/new_memory_job.json": {"Records": [job(
            "new_memory", USER["id"], "2025-11-25T00:00:00+00:00", 5,
            subject=turn_memory_id(puppy["id"]), interaction=puppy["id"])]},
        "migrate/create.json": {
            "RequestType": "Create",
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:companion-MigrateFunction",
            "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/sample-presigned-url",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/companion/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
            "RequestId": "5d478078-13e9-baf0-464a-7ef285ecc786",
            "LogicalResourceId": "Migrations",
            "ResourceType": "Custom::Migrations",
            "ResourceProperties": {
                "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:companion-MigrateFunction",
                "CodeVersion": "1",
            },
        },
    }
    for name, event in events.items():
        path = HERE / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(event, indent=2) + "\n")
    print(f"wrote {len(events)} events; DISCORD_PUBLIC_KEY={SAMPLE_PUBLIC_KEY}")


if __name__ == "__main__":
    main()
