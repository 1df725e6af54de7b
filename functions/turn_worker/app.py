"""Turn worker (SQS FIFO -> Lambda): runs each queued turn and edits the deferred reply.

Partial batch failures: a failed record is reported alone and retried (then dead-lettered); with
skip_group_on_error only the same user's later turns wait behind it, preserving their order.
"""
import json

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

from companion.domain.models import Turn
from companion.wiring import get_container

logger = Logger(service="companion")
metrics = Metrics(namespace="Companion", service="companion")


def record_handler(record) -> None:
    try:
        turn = Turn.from_dict(json.loads(record.body))
    except ValueError:
        metrics.add_metric(name="TurnFailures", unit=MetricUnit.Count, value=1)
        logger.error("malformed turn record", message_id=record.message_id)
        raise
    logger.append_keys(user_id=turn.user_id, interaction_id=turn.interaction_id, command=turn.command)
    try:
        outcome = get_container().turns.process(turn)
    except Exception:
        metrics.add_metric(name="TurnFailures", unit=MetricUnit.Count, value=1)
        logger.exception("turn failed; it will be retried")
        raise
    metrics.add_metric(name="TurnsProcessed", unit=MetricUnit.Count, value=1)
    if outcome.status == "replied" and outcome.command == "companion":
        metrics.add_metric(name="ReplyLatencyMs", unit=MetricUnit.Milliseconds, value=outcome.latency_ms)
    if outcome.fallback_used:
        metrics.add_metric(name="LLMFallbacks", unit=MetricUnit.Count, value=1)
    logger.info("turn done", status=outcome.status)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
