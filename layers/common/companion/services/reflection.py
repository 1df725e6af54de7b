"""Nightly reflection for one user (the seed's process_user_reflection), as a per-user job.

Each step runs on its own: one step failing is recorded in the report and the others still run;
one user failing never touches another (each user is its own job). The steps owned by other
parts of the system plug in by name: ``personality_evolution`` (baseline drift, quirks, needs
patterns, emotional trend) and ``memory_consolidation``; each is a callable
``(user_id, now) -> dict`` whose result goes into the report.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Mapping

from ..domain.proactive import infer_utc_offset, offset_zone_name
from ..domain.schedules import UserJob, in_users_night

log = logging.getLogger(__name__)

NightlyStep = Callable[[str, datetime], dict]
REPORT_WINDOW = timedelta(days=1)


def as_report(result) -> dict:
    """A step's result (a dataclass of values, PADs, trends ...) as JSON-ready data."""
    def plain(value):
        if dataclasses.is_dataclass(value):
            return {k: plain(v) for k, v in (value.as_dict() if hasattr(value, "as_dict") else
                                             dataclasses.asdict(value)).items()}
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, datetime):
            return value.isoformat()
        return value

    return plain(result)


@dataclass(frozen=True)
class ReflectionOutcome:
    status: str  # succeeded | partial | failed | duplicate | skipped (the user's night was over)
    failed_steps: tuple[str, ...] = ()


class ReflectionService:
    def __init__(self, *, outreach, clock: Callable[[], datetime], steps: Mapping[str, NightlyStep | None]):
        self.outreach = outreach
        self.clock = clock
        self.steps = dict(steps)

    def run(self, job: UserJob) -> ReflectionOutcome:
        user_id, started = job.user_id, self.clock()
        if self.outreach.reflection_report(user_id, job.slot) is not None:
            return ReflectionOutcome("duplicate")
        settings = self.outreach.get_settings(user_id)
        if settings is not None and not in_users_night(settings.get("timezone"), started):
            # Queued in the user's night but reached only after it (a backlog): it waits for the
            # next night rather than reflect (and drift, consolidate) in the user's day.
            self.outreach.save_reflection_report(user_id, job.slot, started, self.clock(), "skipped",
                                                 {"skipped": "the user's night was over"}, None)
            return ReflectionOutcome("skipped")
        report: dict = {}
        errors: dict[str, str] = {}
        all_steps: dict[str, NightlyStep | None] = {**self.steps, "timezone": self._learn_timezone,
                                                     "day": self._day_in_numbers}
        for name, step in all_steps.items():
            if step is None:
                report[name] = {"status": "not_available"}
                continue
            try:
                report[name] = step(user_id, started)
            except Exception as exc:  # recorded; the other steps and users carry on
                log.exception("reflection step failed", extra={"user_id": user_id, "step": name})
                errors[name] = f"{type(exc).__name__}: {exc}"[:500]
        ran = [n for n, s in all_steps.items() if s is not None]
        status = "failed" if errors and len(errors) == len(ran) else "partial" if errors else "succeeded"
        report["errors"] = errors
        self.outreach.save_reflection_report(user_id, job.slot, started, self.clock(), status, report,
                                             "; ".join(f"{k}: {v}" for k, v in errors.items()) or None)
        return ReflectionOutcome(status, tuple(errors))

    def _learn_timezone(self, user_id: str, now: datetime) -> dict:
        settings = self.outreach.get_settings(user_id) or {}
        if settings.get("timezone_source") == "user":
            return {"timezone": settings.get("timezone"), "source": "user"}
        offset = infer_utc_offset(self.outreach.activity(user_id, now, "UTC").utc_hourly)
        if offset is None:
            return {"timezone": settings.get("timezone"), "source": settings.get("timezone_source"),
                    "inferred": None}
        name = offset_zone_name(offset)
        changed = self.outreach.set_inferred_timezone(user_id, name)
        return {"timezone": name, "source": "inferred", "changed": changed}

    def _day_in_numbers(self, user_id: str, now: datetime) -> dict:
        return self.outreach.reflection_facts(user_id, now - REPORT_WINDOW, now)
