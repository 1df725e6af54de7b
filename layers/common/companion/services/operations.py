"""Operators' view of the deployment: users, totals, housekeeping and health."""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Mapping

from ..domain.operations import (
    CheckResult, FleetStats, IncidentSummary, TurnMetrics, UserSummary, overall_status,
)
from ..ports import FleetStore, IdempotencyStore
from .memory import MemoryService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CleanupReport:
    idempotency_records_deleted: int
    users_reindexed: int
    memories_indexed: int


class AdminService:
    def __init__(self, *, fleet: FleetStore, idempotency: IdempotencyStore, memory: MemoryService,
                 clock: Callable[[], datetime]):
        self.fleet = fleet
        self.idempotency = idempotency
        self.memory = memory
        self.clock = clock

    def users(self, *, limit: int, after: tuple[datetime, str] | None = None) -> list[UserSummary]:
        return self.fleet.list_users(limit, after)

    def incidents(self, *, limit: int, after: tuple[datetime, str] | None = None, user_id: str | None = None,
                  unreviewed_only: bool = False) -> list[IncidentSummary]:
        return self.fleet.list_incidents(limit, after, user_id=user_id, unreviewed_only=unreviewed_only)

    def stats(self) -> FleetStats:
        return self.fleet.stats(self.clock())

    def cleanup(self, *, idempotency_max_age: timedelta, reindex_users: int) -> CleanupReport:
        """Drop idempotency records past their retention, and finish the memories outages left
        unembedded or unindexed (what each user's next turn would otherwise do)."""
        now = self.clock()
        deleted = self.idempotency.purge_idempotency(now - idempotency_max_age)
        users = self.fleet.users_with_pending_memories(reindex_users) if reindex_users else []
        indexed = sum(self.memory.index_pending(user_id, now) for user_id in users)
        log.info("cleanup done", extra={"idempotency_deleted": deleted, "users": len(users), "indexed": indexed})
        return CleanupReport(idempotency_records_deleted=deleted, users_reindexed=len(users),
                             memories_indexed=indexed)


@dataclass(frozen=True)
class Probe:
    """A reachability check of one dependency: raises when it is not usable. ``None`` as the
    callable means the dependency is not configured in this deployment (reported as skipped)."""

    check: Callable[[], object] | None
    required: bool = False
    skipped_because: str = "not configured"


class HealthService:
    def __init__(self, *, probes: Mapping[str, Probe], fleet: FleetStore,
                 queue_depth: Callable[[], int | None], clock: Callable[[], datetime],
                 timeout_s: float = 2.0):
        self.probes = dict(probes)
        self.fleet = fleet
        self.queue_depth = queue_depth
        self.clock = clock
        self.timeout_s = timeout_s

    def check(self) -> tuple[str, list[CheckResult]]:
        """Every probe at once, each bounded by ``timeout_s`` (a hung dependency is reported down,
        it does not hang the health check)."""
        pool = ThreadPoolExecutor(max_workers=max(1, len(self.probes)), thread_name_prefix="health")
        started = time.perf_counter()
        futures = {name: pool.submit(self._timed, probe.check) for name, probe in self.probes.items()
                   if probe.check is not None}
        wait(futures.values(), timeout=self.timeout_s)
        pool.shutdown(wait=False, cancel_futures=True)
        results = []
        for name, probe in self.probes.items():
            if probe.check is None:
                results.append(CheckResult(name, "skipped", None, probe.skipped_because, probe.required))
                continue
            future = futures[name]
            if not future.done():
                elapsed = (time.perf_counter() - started) * 1000
                results.append(CheckResult(name, "down", round(elapsed, 1),
                                           f"no answer within {self.timeout_s:g} s", probe.required))
                continue
            error, latency_ms = future.result()
            results.append(CheckResult(name, "down" if error else "ok", round(latency_ms, 1),
                                       error or "", probe.required))
        return overall_status(results), results

    @staticmethod
    def _timed(check: Callable[[], object]) -> tuple[str | None, float]:
        started = time.perf_counter()
        try:
            check()
            error = None
        except Exception as exc:  # a probe's whole point is to report the failure, not raise it
            error = f"{type(exc).__name__}: {exc}"[:300]
        return error, (time.perf_counter() - started) * 1000

    def metrics(self, *, window: timedelta) -> tuple[TurnMetrics, int | None]:
        """Turn metrics over the last ``window`` and the turn queue's depth (None if unknown)."""
        try:
            depth = self.queue_depth()
        except Exception:
            log.warning("turn queue depth unavailable", exc_info=True)
            depth = None
        return self.fleet.turn_metrics(self.clock() - window), depth
