"""Nightly reflection (EventBridge Scheduler, 03:00 UTC): selects the users active in the last
7 days in one statement and fans out one reflection job per user to the work queue."""
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from companion.domain.schedules import scheduled_time
from companion.wiring import get_container

logger = Logger(service="companion")
metrics = Metrics(namespace="Companion", service="companion")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    outcome = get_container().scheduled_jobs.nightly_reflection(scheduled_time(event))
    metrics.add_metric(name="ReflectionsQueued", unit=MetricUnit.Count, value=outcome.jobs_enqueued)
    previous = outcome.details.get("previous_night", {})
    metrics.add_metric(name="ReflectionFailuresLastNight", unit=MetricUnit.Count, value=previous.get("failed", 0))
    logger.info("nightly reflection", status=outcome.status, selected=outcome.users_selected,
                previous_night=previous)
    return {"job": outcome.job, "status": outcome.status, "users_selected": outcome.users_selected,
            "jobs_enqueued": outcome.jobs_enqueued, "previous_night": previous}
