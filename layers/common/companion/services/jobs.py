"""Per-user jobs (a turn's new memory, a proactive check, a nightly reflection) under a deadline.

A job runs like a turn does (domain/deadline.py): the earlier of the invocation's remaining time
(less a margin for the batch response) and the job kind's own cap. Every provider call inside
takes its timeout from what is left and goes through its circuit breaker, so a slow or failing
provider makes the job fall back (the offline scorer, the heuristic judge, the extractive
summary, the template starter) or defer (a delivery retried by a later sweep, consolidation left
for the next night): a job always returns inside its invocation, so SQS never redelivers it after
a timeout (its visibility timeout) and never holds the user's later jobs behind it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..domain import deadline as deadlines
from ..domain.schedules import UserJob

# The longest each kind may take (seconds), whatever the invocation has left. A new memory's job
# is one importance score and a few conflict judgements (the fast model: 5 s a call at most); a
# proactive check may write a starter with the reply model (60 % of its time to the primary
# model) and then deliver it; a reflection runs its steps one after the other, each degrading to
# its offline path when the time is spent.
JOB_CAPS = {"new_memory": 15.0, "proactive": 25.0, "reflection": 60.0}


@dataclass(frozen=True)
class JobBudget:
    caps: Mapping[str, float] = field(default_factory=lambda: dict(JOB_CAPS))
    lambda_margin: float = 2.0  # kept for returning the batch response before the Lambda's end

    def seconds(self, kind: str, *, lambda_left: float | None) -> float:
        limits = [self.caps[kind]]
        if lambda_left is not None:
            limits.append(lambda_left - self.lambda_margin)
        return max(0.0, min(limits))


class JobRunner:
    """Runs one job by its kind's handler (``UserJob -> outcome``) inside the job's deadline."""

    def __init__(self, handlers: Mapping[str, Callable[[UserJob], Any]], *, budget: JobBudget = JobBudget(),
                 monotonic: Callable[[], float] = time.monotonic):
        self.handlers = dict(handlers)
        self.budget = budget
        self.monotonic = monotonic

    def run(self, job: UserJob, *, lambda_left: float | None = None) -> Any:
        """``lambda_left``: seconds the invocation has left (None outside Lambda)."""
        seconds = self.budget.seconds(job.kind, lambda_left=lambda_left)
        with deadlines.within(deadlines.Deadline.after(seconds, self.monotonic)):
            return self.handlers[job.kind](job)
