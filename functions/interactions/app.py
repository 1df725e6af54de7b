"""Discord interactions endpoint (API Gateway HTTP API -> Lambda).

Verifies the Ed25519 signature, answers PING, defers slash commands and queues them as turns.
It must answer within Discord's 3 s, so it imports nothing heavy: the container builds only the
webhook and the SQS client. Log lines carry the interaction id as correlation id.
"""
import base64
import binascii
import json

from aws_lambda_powertools import Logger

from companion.observability import configure_logger, correlation_id_of, trace_handler
from companion.wiring import get_container

logger = Logger(service="companion")
configure_logger(logger)

try:
    # Built during the function's init (which does not count against Discord's 3 s for a cold
    # request): imports, the public key and the SQS client with its short timeouts.
    get_container().webhook
except Exception:  # not configured yet: each request reports it, and a later one may succeed
    logger.exception("interactions endpoint could not be prepared at init")


def _response(status: int, body: dict) -> dict:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    if not isinstance(event, dict):
        return _response(400, {"error": "malformed event"})
    headers, body = event.get("headers") or {}, event.get("body") or ""
    if not isinstance(headers, dict) or not isinstance(body, str):
        return _response(400, {"error": "malformed event"})
    headers = {str(k).lower(): v if isinstance(v, str) else None for k, v in headers.items()}
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode()
    except (binascii.Error, ValueError):
        return _response(400, {"error": "body is not valid base64"})
    logger.set_correlation_id(correlation_id_of(raw))  # the interaction id, on every line that follows
    result = get_container().webhook.handle(
        raw, headers.get("x-signature-ed25519"), headers.get("x-signature-timestamp")
    )
    if result.status != 200:
        logger.warning("interaction rejected", status=result.status, reason=result.body.get("error"))
    return _response(result.status, result.body)


handler = trace_handler(handler)
