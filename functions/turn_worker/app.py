"""Turn worker (SQS FIFO -> Lambda): runs each queued turn and edits the deferred reply.

Partial batch failures: a failed record is reported alone and retried (then dead-lettered); with
skip_group_on_error only the same user's later turns wait behind it, preserving their order. The
invocation itself fails only when it crashes: even a batch whose every record failed is reported
record by record, so the worker-errors alarm means a crash or a timeout, never one bad turn.
Each turn gets a deadline from the Lambda's remaining time and its interaction token's age.

In Lambda the container is built during the init phase (secrets, SDK clients and their imports:
about 5 s that the first turn would otherwise spend inside its deadline); benchmarks/
bench_cold_start.py measures both phases.
"""
import json

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

from companion.domain.models import Turn
from companion.observability import annotate, configure_logger, record_proactive_outcome, trace_handler, user_ref
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
        return job_handler(record, body, lambda_context)
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


def job_handler(record, body, lambda_context=None) -> None:
    """A per-user job fanned out by a schedule (proactive check, nightly reflection) or queued by a
    turn (its new memory's importance score and conflict check), ordered with the user's turns by the FIFO group."""
    try:
        job = UserJob.from_dict(body)
    except ValueError:
        metrics.add_metric(name="JobFailures", unit=MetricUnit.Count, value=1)
        logger.error("malformed job record", message_id=record.message_id)
        raise
    # The user only as a keyed hash; a turn's follow-up job carries the turn's interaction id.
    logger.set_correlation_id(job.interaction or None)
    logger.append_keys(user=user_ref(job.user_id), job=job.kind)
    try:
        outcome = get_container().jobs.run(job, lambda_left=_seconds_left(lambda_context))
    except Exception:
        metrics.add_metric(name="JobFailures", unit=MetricUnit.Count, value=1)
        logger.exception("job failed; it will be retried")
        raise
    if job.kind == "proactive":
        record_proactive_outcome(outcome.status, outcome.reason, origin="sweep")
    elif job.kind == "new_memory":  # a turn's memory after the reply: importance, conflict check
        metrics.add_metric(name="ConflictsRecorded", unit=MetricUnit.Count, value=outcome.conflicts)
        if outcome.status == "failed":
            metrics.add_metric(name="NewMemoryJobFailures", unit=MetricUnit.Count, value=1)
    elif outcome.status in ("failed", "partial"):
        metrics.add_metric(name="ReflectionFailures", unit=MetricUnit.Count, value=1)
    logger.info("job done", status=outcome.status)


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
