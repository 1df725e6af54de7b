"""Hourly need growth (EventBridge Scheduler, rate(1 hour)): one statement over every user's needs."""
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from companion.domain.schedules import scheduled_time
from companion.wiring import get_container

logger = Logger(service="companion")
metrics = Metrics(namespace="Companion", service="companion")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    outcome = get_container().scheduled_jobs.need_decay(scheduled_time(event))
    metrics.add_metric(name="NeedRowsGrown", unit=MetricUnit.Count, value=outcome.rows_affected or 0)
    logger.info("need growth", status=outcome.status, rows=outcome.rows_affected)
    return {"job": outcome.job, "status": outcome.status, "rows_affected": outcome.rows_affected}
