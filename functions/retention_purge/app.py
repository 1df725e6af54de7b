"""Daily retention purge (EventBridge Scheduler, 04:30 UTC): set-based deletes of what has
outlived its use (old decisions, reports, runs) and of everything past each user's retention:
memories with what was built from them (summaries, conflicts, vector index points, cached
vectors, /why quotes), interactions, incidents, decisions."""
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from companion.domain.schedules import scheduled_time
from companion.wiring import get_container

logger = Logger(service="companion")
metrics = Metrics(namespace="Companion", service="companion")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    # The memories' purge stops with a tenth of the function's time left (the set-wise statements
    # after it take seconds); the next run continues where it stopped.
    seconds = context.get_remaining_time_in_millis() / 1000 * 0.9
    outcome = get_container().scheduled_jobs.retention_purge(scheduled_time(event), seconds=seconds)
    metrics.add_metric(name="RowsPurged", unit=MetricUnit.Count, value=outcome.rows_affected or 0)
    metrics.add_metric(name="MemoriesPurged", unit=MetricUnit.Count,
                       value=outcome.details.get("memories", 0) + outcome.details.get("summaries", 0))
    metrics.add_metric(name="RetentionUnfinished", unit=MetricUnit.Count, value=outcome.details.get("unfinished", 0))
    logger.info("retention purge", status=outcome.status, deleted=outcome.details)
    return {"job": outcome.job, "status": outcome.status, "rows_affected": outcome.rows_affected,
            "deleted": outcome.details}
