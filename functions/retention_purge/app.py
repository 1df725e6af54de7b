"""Daily retention purge (EventBridge Scheduler, 04:30 UTC): set-based deletes of what has
outlived its use (old decisions, reports, runs; interactions past each user's retention)."""
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from companion.domain.schedules import scheduled_time
from companion.wiring import get_container

logger = Logger(service="companion")
metrics = Metrics(namespace="Companion", service="companion")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    outcome = get_container().scheduled_jobs.retention_purge(scheduled_time(event))
    metrics.add_metric(name="RowsPurged", unit=MetricUnit.Count, value=outcome.rows_affected or 0)
    logger.info("retention purge", status=outcome.status, deleted=outcome.details)
    return {"job": outcome.job, "status": outcome.status, "rows_affected": outcome.rows_affected,
            "deleted": outcome.details}
