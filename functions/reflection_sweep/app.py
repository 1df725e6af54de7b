"""Nightly reflection (EventBridge Scheduler, every 15 minutes): claims the users whose night has
come (each at their own minute, 01:00-03:59 on their clock) and queues one reflection job for each
one active in the last 7 days on the job queue."""
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from companion.domain.deadline import Deadline, within
from companion.domain.schedules import scheduled_time
from companion.wiring import get_container

logger = Logger(service="companion")
metrics = Metrics(namespace="Companion", service="companion")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    # The sweep claims batch after batch while the function has time (what it leaves stays due).
    with within(Deadline.after(context.get_remaining_time_in_millis() / 1000 - 5)):
        outcome = get_container().scheduled_jobs.nightly_reflection(scheduled_time(event))
    metrics.add_metric(name="ReflectionsQueued", unit=MetricUnit.Count, value=outcome.jobs_enqueued)
    previous = outcome.details.get("previous_night", {})
    # Each sweep reports the nights whose slots fell in its 15 minutes a day ago: summed, a day's.
    metrics.add_metric(name="ReflectionFailuresLastNight", unit=MetricUnit.Count, value=previous.get("failed", 0))
    logger.info("nightly reflection", status=outcome.status, selected=outcome.users_selected,
                previous_night=previous)
    return {"job": outcome.job, "status": outcome.status, "users_selected": outcome.users_selected,
            "jobs_enqueued": outcome.jobs_enqueued, "previous_night": previous}
