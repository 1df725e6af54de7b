"""The turn queue: SQS FIFO in AWS; in process locally, delivering real SQS-shaped events."""
from __future__ import annotations

import json
import uuid
from collections import deque
from typing import Any, Callable


SEND_THREADS = 8  # SendMessageBatch calls in flight at once during a sweep's fan-out


class SqsTurnQueue:
    """Sends from the interactions function, which must answer Discord within 3 s whatever SQS
    does: the client is created up front (at the function's init, not on the first request) with
    short timeouts and one retry, so a slow SQS still leaves time for the "try again" reply."""

    def __init__(self, queue_url: str, client=None):
        self._url = queue_url
        self._client = client or sqs_client()

    def send(self, body: dict[str, Any], *, group_id: str, dedup_id: str) -> None:
        self._client.send_message(
            QueueUrl=self._url,
            MessageBody=json.dumps(body),
            MessageGroupId=group_id,
            MessageDeduplicationId=dedup_id,
        )

    def approximate_depth(self) -> int:
        """Turns waiting (SQS's approximate count; health and metrics only)."""
        if self._client is None:
            import boto3

            self._client = boto3.client("sqs")
        attributes = self._client.get_queue_attributes(
            QueueUrl=self._url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def send_many(self, messages: list[tuple[dict[str, Any], str, str]]) -> None:
        """(body, group id, dedup id) triples, ten per SendMessageBatch call (SQS's limit), up to
        SEND_THREADS calls at once (a sweep's fan-out is bound by the calls' round trips, not by
        SQS: boto3 clients are thread-safe); raises if any entry fails, after sending the rest."""
        if self._client is None:
            import boto3

            self._client = boto3.client("sqs")
        chunks = [messages[start:start + 10] for start in range(0, len(messages), 10)]
        if len(chunks) <= 1:
            failed = [f for chunk in chunks for f in self._send_batch(chunk)]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(chunks))) as pool:
                failed = [f for result in pool.map(self._send_batch, chunks) for f in result]
        if failed:
            raise RuntimeError(f"{len(failed)} jobs were not queued: {failed[:5]}")

    def _send_batch(self, chunk: list[tuple[dict[str, Any], str, str]]) -> list[str]:
        result = self._client.send_message_batch(
            QueueUrl=self._url,
            Entries=[
                {"Id": str(i), "MessageBody": json.dumps(body), "MessageGroupId": group_id,
                 "MessageDeduplicationId": dedup_id}
                for i, (body, group_id, dedup_id) in enumerate(chunk)
            ],
        )
        return [f"{chunk[int(f['Id'])][2]}: {f.get('Code')}" for f in result.get("Failed", [])]


def sqs_client():
    import boto3
    from botocore.config import Config

    return boto3.client("sqs", config=Config(
        connect_timeout=0.5, read_timeout=1.0, retries={"max_attempts": 2, "mode": "standard"}))


class InProcessTurnQueue:
    """Holds sent turns and delivers them to a handler as SQS batch events, honouring what SQS
    FIFO promises: a deduplication id is accepted once, and a record the handler reports in
    ``batchItemFailures`` is delivered again (up to ``max_receives``, then dead-lettered)."""

    def __init__(self, max_receives: int = 5):
        self._pending: deque[dict] = deque()
        self._seen_dedup: set[str] = set()
        self.dead_letters: list[dict] = []
        self._max_receives = max_receives

    def send(self, body: dict[str, Any], *, group_id: str, dedup_id: str) -> None:
        if dedup_id in self._seen_dedup:
            return
        self._seen_dedup.add(dedup_id)
        self._pending.append(
            {"body": json.dumps(body), "group_id": group_id, "dedup_id": dedup_id, "receives": 0}
        )

    def send_many(self, messages: list[tuple[dict[str, Any], str, str]]) -> None:
        for body, group_id, dedup_id in messages:
            self.send(body, group_id=group_id, dedup_id=dedup_id)

    def __len__(self) -> int:
        return len(self._pending)

    def approximate_depth(self) -> int:
        return len(self._pending)

    def drain(self, handler: Callable[[dict, Any], dict], context: Any = None, batch_size: int = 10) -> int:
        """Deliver until empty; returns how many records were delivered. A handler that raises
        fails its whole batch, as a Lambda error does."""
        delivered = 0
        while self._pending:
            batch = [self._pending.popleft() for _ in range(min(batch_size, len(self._pending)))]
            for message in batch:
                message["receives"] += 1
                message.setdefault("message_id", str(uuid.uuid4()))
            try:
                result = handler(sqs_event(batch), context) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            except Exception:
                failed = {m["message_id"] for m in batch}
            delivered += len(batch)
            for message in batch:
                if message["message_id"] in failed:
                    if message["receives"] >= self._max_receives:
                        self.dead_letters.append(message)
                    else:
                        self._pending.append(message)
        return delivered


def sqs_event(messages: list[dict]) -> dict:
    """An SQS FIFO batch event as Lambda receives it."""
    return {
        "Records": [
            {
                "messageId": m["message_id"],
                "receiptHandle": f"local-{m['message_id']}",
                "body": m["body"],
                "attributes": {
                    "ApproximateReceiveCount": str(m["receives"]),
                    "SentTimestamp": "0",
                    "SequenceNumber": str(i),
                    "MessageGroupId": m["group_id"],
                    "SenderId": "local",
                    "MessageDeduplicationId": m["dedup_id"],
                    "ApproximateFirstReceiveTimestamp": "0",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:local:000000000000:companion-turns.fifo",
                "awsRegion": "local",
            }
            for i, m in enumerate(messages)
        ]
    }
