"""Job worker (SQS FIFO -> Lambda): runs per-user background jobs apart from the turns.

The jobs: a turn's new memory (importance score, conflict check), the proactive sweep's checks and
the nightly reflections, on the job queue (FIFO group = the user: one user's jobs run in order,
one at a time). They never share a queue or a concurrency cap with the turns, so a turn never
waits behind a job; they interleave safely with the same user's turns (README, "Jobs beside
turns"). Each job runs under a deadline (services/jobs.py) inside this function's timeout: a slow
provider makes it fall back or defer, never time out and come back after the visibility timeout.
A job that crashes is reported alone (partial batch failure) and retried, then dead-lettered.
"""
import json

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

from companion.config import running_in_lambda
from companion.domain.schedules import UserJob
from companion.observability import configure_logger, record_proactive_outcome, trace_handler, user_ref
from companion.wiring import get_container

logger = Logger(service="companion")
configure_logger(logger)
metrics = Metrics(namespace="Companion", service="companion")
if running_in_lambda():
    get_container().warm_up()


def record_handler(record, lambda_context=None) -> None:
    logger.set_correlation_id(None)
    try:
        job = UserJob.from_dict(json.loads(record.body))
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
    elif outcome.status == "skipped":  # reached only after the user's night: waits for the next
        metrics.add_metric(name="ReflectionsSkipped", unit=MetricUnit.Count, value=1)
    logger.info("job done", status=outcome.status)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    # Report every failed record instead of raising when all of them failed (see turn_worker).
    processor.raise_on_entire_batch_failure = False
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def _seconds_left(context) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 if remaining else None


handler = trace_handler(handler)
