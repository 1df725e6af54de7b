"""The sweeps' fan-out at scale: N users (default 100,000) in embedded PostgreSQL, the jobs sent to
an SQS FIFO queue on moto, through the real ScheduleService, repositories and SqsTurnQueue.

    .venv/bin/python benchmarks/bench_fanout.py [--users 100000] [--sqs-latency-ms 20]

Seeds the users with population.py (bench_outreach.py's loader: 8 time zones, last active spread
over 21 days), then runs each sweep as its Lambda handler would, under a deadline of its
function's timeout in template.yaml less the handler's 5 s, and checks it finishes inside it
(its time without moto's own processing, which is reported apart as ``moto_s``):
- the reflection sweep's first run after the deploy (every user claimed once and given their
  night; migration 086 does this for existing users, here the population starts unscheduled);
- a whole day of reflection sweeps (96, every 15 minutes): jobs per sweep, the longest sweep;
- the worst case for one sweep: every user active and in ONE time zone (their nights all fall in
  the same three hours), a night of sweeps;
- the proactive sweep's first run after a deploy (everyone due: the 50,000-user cap) and a
  steady one.
moto answers in-process, so each SendMessageBatch call is given ``--sqs-latency-ms`` of network
round trip (slept outside a lock that serialises moto itself: the calls overlap as they do against
SQS, moto's own work does not). moto checks FIFO deduplication by scanning every message in the
queue (SQS's cost does not grow with depth), so the messages are taken off moto's queue as they
arrive, as the job worker would, and kept: every job is checked (one per user and slot, grouped
by user). The jobs/s it reaches is benchmarks/queue_sim.py's ``--fanout-per-s``. Ends with one
JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

warnings.filterwarnings("ignore")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from population import Population, embedded_database, load  # noqa: E402

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)  # a Tuesday afternoon in UTC
HANDLER_MARGIN_S = 5.0  # functions/*_sweep/app.py keep this much of the function's time


class NetworkedClient:
    """An SQS client on moto whose calls take a network round trip, overlapping across threads;
    what arrives is taken off the queue (consumed) and kept in ``received``."""

    def __init__(self, inner, latency_s: float, queue_name: str):
        self.inner, self.latency_s, self.calls = inner, latency_s, 0
        self.moto_s = 0.0  # moto's own (serialised) time, which SQS does not spend in our function
        self.queue_name = queue_name
        self.received: list[tuple[str, str, dict]] = []  # (group, dedup id, body)
        self._lock = threading.Lock()

    def send_message_batch(self, **kwargs):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sqs.models import sqs_backends

        time.sleep(self.latency_s)
        with self._lock:
            started = time.perf_counter()
            self.calls += 1
            result = self.inner.send_message_batch(**kwargs)
            queue = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues[self.queue_name]
            with queue._messages_lock:
                taken, queue._messages = queue._messages, []
            self.received += [(m.group_id, m.deduplication_id, json.loads(m.body)) for m in taken]
            self.moto_s += time.perf_counter() - started
            return result


def timeouts() -> dict[str, float]:
    sys.path.insert(0, str(REPO / "tests" / "infrastructure"))
    from cfn import load_template

    resources = load_template()["Resources"]
    return {name: float(resources[name]["Properties"]["Timeout"])
            for name in ("ReflectionSweepFunction", "ProactiveSweepFunction")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--sqs-latency-ms", type=float, default=20.0,
                        help="round trip of one SendMessageBatch call (AWS in-region: ~10-30 ms)")
    args = parser.parse_args()

    import boto3
    from moto import mock_aws

    from companion.adapters.queues import SqsTurnQueue
    from companion.config import Settings
    from companion.domain.deadline import Deadline, within
    from companion.wiring import Container

    limits = timeouts()
    with embedded_database() as url, mock_aws():
        seed_s, counts = load(url, NOW, Population(users=args.users, messages=12, days=30))
        print(f"seeded {args.users:,} users in {seed_s:.1f} s ({counts['interactions']:,} interactions)")
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue_url = sqs.create_queue(QueueName="companion-JobQueue.fifo", Attributes={
            "FifoQueue": "true", "ContentBasedDeduplication": "false"})["QueueUrl"]
        client = NetworkedClient(sqs, args.sqs_latency_ms / 1000, "companion-JobQueue.fifo")
        clock = {"now": NOW}
        c = Container(Settings(database_url=url), clock=lambda: clock["now"],
                      job_queue=SqsTurnQueue(queue_url, client))
        sweeps = c.scheduled_jobs
        db = c.database

        def run(kind: str, at: datetime):
            """One sweep as its handler runs it: (seconds, outcome). The seconds leave out moto's
            own processing (serialised in-process; SQS does it on its side, in parallel)."""
            clock["now"] = at
            method = sweeps.nightly_reflection if kind == "reflection" else sweeps.proactive_sweep
            function = "ReflectionSweepFunction" if kind == "reflection" else "ProactiveSweepFunction"
            started, moto_before = time.perf_counter(), client.moto_s
            with within(Deadline.after(limits[function] - HANDLER_MARGIN_S)):
                outcome = method(at)
            return time.perf_counter() - started - (client.moto_s - moto_before), outcome

        def night_of_sweeps(start: datetime, hours: int):
            out = []
            for k in range(hours * 4):
                seconds, outcome = run("reflection", start + timedelta(minutes=15 * k))
                out.append((seconds, outcome.details["users_claimed"], outcome.jobs_enqueued))
            return out

        # 1. The first reflection sweep: every user claimed and scheduled (no jobs: none is due).
        first_s, first = run("reflection", NOW)
        print(f"reflection, first sweep: {first.details['users_claimed']:,} users scheduled in {first_s:.1f} s "
              f"(limit {limits['ReflectionSweepFunction']:.0f} s)")

        # 2. A day of sweeps.
        day = night_of_sweeps(NOW + timedelta(minutes=15), 24)
        day_jobs = sum(j for _, _, j in day)
        day_max_s, _, _ = max(day)
        busiest = max(day, key=lambda x: x[2])
        print(f"reflection, a day of 96 sweeps: {day_jobs:,} jobs, {sum(n for _, n, _ in day):,} users claimed; "
              f"longest sweep {day_max_s:.2f} s; busiest {busiest[2]:,} jobs in {busiest[0]:.2f} s")

        # 3. The worst case: everyone active, in one time zone.
        with db.unscoped() as tx:
            tx.execute("""UPDATE user_profiles SET timezone = 'America/New_York', last_active = %s,
                              reflection_due_at = '-infinity'""", (NOW - timedelta(hours=1),))
        db.connection().execute("VACUUM ANALYZE user_profiles")
        client.received.clear()
        run("reflection", NOW)  # everyone back to their next night
        night = night_of_sweeps(NOW + timedelta(minutes=15), 24)
        zone_jobs = sum(j for _, _, j in night)
        jobs = client.received
        one_each = (len(jobs) == zone_jobs == len({(g, d) for g, d, _ in jobs}) == len({g for g, _, _ in jobs})
                    and all(body["user_id"] == g and body["job"] == "reflection" for g, _, body in jobs))
        zone_worst = max(night, key=lambda x: x[0])
        zone_busiest = max(night, key=lambda x: x[2])
        sent_s = sum(s for s, _, j in night if j)  # the sweeps that sent jobs
        print(f"reflection, everyone active in America/New_York: {zone_jobs:,} jobs over the night; busiest sweep "
              f"{zone_busiest[2]:,} jobs in {zone_busiest[0]:.2f} s; longest {zone_worst[0]:.2f} s "
              f"(limit {limits['ReflectionSweepFunction']:.0f} s)")

        # 4. The proactive sweep: the first after a deploy (everyone due), then a steady one.
        with db.unscoped() as tx:
            tx.execute("UPDATE user_profiles SET last_active = %s - interval '5 hours', proactive_next_check_at = %s",
                       (NOW, NOW - timedelta(minutes=1)))
        client.received.clear()
        proactive_first_s, proactive_first = run("proactive", NOW)
        with db.unscoped() as tx:
            tx.execute("""UPDATE user_profiles SET proactive_next_check_at = %s
                              + make_interval(secs => (hashtext(user_id) & 2147483647) %% 3600)""", (NOW,))
        proactive_steady_s, proactive_steady = run("proactive", NOW + timedelta(minutes=5))
        print(f"proactive, first sweep after a deploy: {proactive_first.jobs_enqueued:,} jobs in {proactive_first_s:.1f} s; "
              f"steady: {proactive_steady.jobs_enqueued:,} jobs in {proactive_steady_s:.2f} s "
              f"(limit {limits['ProactiveSweepFunction']:.0f} s)")

        jobs_per_s = (zone_jobs + proactive_first.jobs_enqueued) / (sent_s + proactive_first_s)
        # Inside the limits, and nobody left out: in the one-zone night every (active) user once.
        within_limits = (first_s < limits["ReflectionSweepFunction"] - HANDLER_MARGIN_S
                         and max(s for s, _, _ in day + night) < limits["ReflectionSweepFunction"] - HANDLER_MARGIN_S
                         and proactive_first_s < limits["ProactiveSweepFunction"] - HANDLER_MARGIN_S
                         and zone_jobs == args.users and one_each)
        print(json.dumps({
            "benchmark": "fanout", "users": args.users, "sqs_latency_ms": args.sqs_latency_ms,
            "reflection_first_sweep_s": round(first_s, 2), "reflection_first_claimed": first.details["users_claimed"],
            "reflection_day_jobs": day_jobs, "reflection_day_longest_sweep_s": round(day_max_s, 2),
            "reflection_day_busiest_jobs": busiest[2],
            "one_zone_night_jobs": zone_jobs, "one_zone_busiest_jobs": zone_busiest[2],
            "one_zone_busiest_sweep_s": round(zone_busiest[0], 2), "one_zone_longest_sweep_s": round(zone_worst[0], 2),
            "proactive_first_sweep_s": round(proactive_first_s, 2), "proactive_first_jobs": proactive_first.jobs_enqueued,
            "proactive_steady_sweep_s": round(proactive_steady_s, 2), "proactive_steady_jobs": proactive_steady.jobs_enqueued,
            "send_batch_calls": client.calls, "moto_s": round(client.moto_s, 1), "jobs_per_s": round(jobs_per_s),
            "limits_s": limits,
            "within_limits": within_limits,
        }))


if __name__ == "__main__":
    main()
