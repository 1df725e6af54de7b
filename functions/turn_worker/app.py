"""Turn worker (SQS FIFO -> Lambda): runs each queued turn and edits the deferred reply.

Partial batch failures: a failed record is reported alone and retried (then dead-lettered); with
skip_group_on_error only the same user's later turns wait behind it, preserving their order. The
invocation itself fails only when it crashes: even a batch whose every record failed is reported
record by record, so the worker-errors alarm means a crash or a timeout, never one bad turn.
Each turn gets a deadline from the Lambda's remaining time and its interaction token's age.
Per-user jobs have a queue and a worker of their own (functions/job_worker).

In Lambda the container is built during the init phase (secrets, SDK clients and their imports:
about 5 s that the first turn would otherwise spend inside its deadline); benchmarks/
bench_cold_start.py measures both phases.
"""
import json

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

from companion.domain.models import Turn
from companion.observability import annotate, configure_logger, trace_handler, user_ref
from companion.domain.schedules import UserJob, is_job
from companion.config import running_in_lambda
from companion.wiring import get_container

logger = Logger(service="companion")
configure_logger(logger)
metrics = Metrics(namespace="Companion", service="companion")
if running_in_lambda():
    get_container().warm_up()


def record_handler(record, lambda_context=None) -> None:
    logger.set_correlation_id(None)
    try:
        body = json.loads(record.body)
    except ValueError:
        body = None
    if is_job(body):
        return forward_job(record, body)
    try:
        turn = Turn.from_dict(body)
    except ValueError:
        metrics.add_metric(name="TurnFailures", unit=MetricUnit.Count, value=1)
        logger.error("malformed turn record", message_id=record.message_id)
        raise
    # Every line of this turn (the companion package's too) carries the interaction id; the user
    # only as a keyed hash; message text never.
    logger.set_correlation_id(turn.interaction_id)
    logger.append_keys(interaction_id=turn.interaction_id, user=user_ref(turn.user_id), command=turn.command)
    annotate(interaction_id=turn.interaction_id, command=turn.command)
    try:
        outcome = get_container().turns.process(turn, lambda_left=_seconds_left(lambda_context))
    except Exception:
        metrics.add_metric(name="TurnFailures", unit=MetricUnit.Count, value=1)
        logger.exception("turn failed; it will be retried")
        raise
    metrics.add_metric(name="TurnsProcessed", unit=MetricUnit.Count, value=1)
    if outcome.status == "replied" and outcome.command == "companion":
        metrics.add_metric(name="ReplyLatencyMs", unit=MetricUnit.Milliseconds, value=outcome.latency_ms)
    if outcome.fallback_used:
        metrics.add_metric(name="LLMFallbacks", unit=MetricUnit.Count, value=1)
    if outcome.status == "too_old":
        metrics.add_metric(name="TurnsTooOld", unit=MetricUnit.Count, value=1)
    if outcome.status == "flagged":  # the injection screen answered an attack
        metrics.add_metric(name="SecurityIncidents", unit=MetricUnit.Count, value=1)
    logger.info("turn done", status=outcome.status)


def forward_job(record, body) -> None:
    """A per-user job found on the turn queue (queued there before jobs had their own queue) is
    moved to the job queue: jobs never take a turn worker (functions/job_worker runs them)."""
    try:
        job = UserJob.from_dict(body)
    except ValueError:
        metrics.add_metric(name="JobFailures", unit=MetricUnit.Count, value=1)
        logger.error("malformed job record", message_id=record.message_id)
        raise
    queue = get_container().job_queue
    if queue is None:
        raise RuntimeError("JOB_QUEUE_URL is not set: a job on the turn queue has nowhere to go")
    queue.send(job.to_dict(), group_id=job.user_id, dedup_id=job.dedup_id)
    logger.info("job moved to the job queue", job=job.kind, user=user_ref(job.user_id))


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    # Powertools' option (not an __init__ argument of the FIFO processor): report every failed
    # record instead of raising BatchProcessingError when all of them failed.
    processor.raise_on_entire_batch_failure = False
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def _seconds_left(context) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 if remaining else None


handler = trace_handler(handler)
