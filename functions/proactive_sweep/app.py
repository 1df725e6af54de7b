"""Proactive sweep (EventBridge Scheduler, every 5 minutes): lifts the sanctions whose escalation
window passed, claims the users due for a proactive check in one statement and fans out one job
per user to the work queue (FIFO group = user)."""
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
        outcome = get_container().scheduled_jobs.proactive_sweep(scheduled_time(event))
    metrics.add_metric(name="ProactiveCandidates", unit=MetricUnit.Count, value=outcome.users_selected)
    logger.info("proactive sweep", status=outcome.status, selected=outcome.users_selected,
                enqueued=outcome.jobs_enqueued)
    lifted = outcome.details.get("sanctions_moved", {}).get("active", 0)
    if lifted:
        metrics.add_metric(name="SanctionsLifted", unit=MetricUnit.Count, value=lifted)
    return {"job": outcome.job, "status": outcome.status, "users_selected": outcome.users_selected,
            "jobs_enqueued": outcome.jobs_enqueued, "sanctions_lifted": lifted}
