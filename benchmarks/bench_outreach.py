"""The schedules at scale: N users (default 100,000) with realistic histories in embedded
PostgreSQL, through the real repositories and services.

    .venv/bin/python benchmarks/bench_outreach.py [--users 100000] [--messages 12] [--score 1000]

Seeds N users with population.py (the loader bench_personality.py shares: a profile with a time
zone among 8, last active spread over 21 days, 5 % opted out, 1 % suspended; eight mood rows 20
days apart; five needs; ``--messages`` interactions each over the last 30 days, at hours that
follow the user's zone; ten days of past proactive decisions), then times:
- the hourly need growth (PersonalityService.grow_all_needs: one UPDATE over every user's needs);
- the proactive sweep's candidate query (ScheduleRepository.claim_proactive_candidates), both the
  first sweep after a deploy (everyone due) and a steady-state sweep (each user due once an hour,
  so 1/12 of the eligible ones per 5-minute sweep), with the jobs fanned out to a queue;
- the reflection sweep's claim (one batch of 1,000 users given their night; bench_fanout.py runs
  whole days of it);
- per-user scoring throughput (ProactiveService.score: the user's limits state, needs, mood,
  activity histograms and pattern stats, then the seed's formulas), and whole proactive jobs
  (limits, score, decision stored, starter, delivery to a recording Discord stand-in);
- decision-row growth: a simulated day of the real sweep (288 runs, jobs run in process) over
  ``--day-users`` users, rows per user a day, bytes a row, and what the retention keeps;
- the daily retention purge (old decisions, mood history, ...);
and prints the EXPLAIN (ANALYZE, BUFFERS) plans (run as the jobs' role under row-level security,
rolled back) of the candidate query, the reflection claim and the mood-history purge.
Ends with one JSON line.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import warnings
from datetime import datetime, timedelta, timezone

from population import Population, embedded_database, explain, load, timed

warnings.filterwarnings("ignore")
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)  # a Tuesday afternoon in UTC
SWEEPS_PER_DAY = 288


class CountingQueue:
    """Counts the fanned-out jobs (the scale figures), or keeps them to run (the simulated day)."""

    def __init__(self):
        self.sent = 0
        self.kept: list[dict] | None = None

    def send(self, body, *, group_id, dedup_id):
        self.send_many([(body, group_id, dedup_id)])

    def send_many(self, messages):
        self.sent += len(messages)
        if self.kept is not None:
            self.kept.extend(body for body, _, _ in messages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=12, help="interactions per user over 30 days")
    parser.add_argument("--score", type=int, default=1000, help="users to score for the throughput figure")
    parser.add_argument("--jobs", type=int, default=300, help="whole proactive jobs to run")
    parser.add_argument("--day-users", type=int, default=500, help="users in the simulated day of sweeps")
    parser.add_argument("--recheck-hourly", action="store_true",
                        help="the simulated day without the optimal-time wait (a decline rechecks after 1 h)")
    args = parser.parse_args()

    from companion.adapters.discord_rest import DiscordRestClient
    from companion.adapters.postgres.schedules import _CLAIM_REFLECTIONS_SQL, _CLAIM_SQL
    from companion.config import Settings
    from companion.domain.proactive import MIN_HOURS_AWAY
    from companion.domain.schedules import UserJob
    from companion.local.discord_sink import BASE_URL, LocalDiscordSink
    from companion.services.schedules import SWEEP_RECHECK
    from companion.wiring import Container

    def explain_claim(db, now):
        return explain(db, _CLAIM_SQL, {"now": now, "away": now - timedelta(hours=MIN_HOURS_AWAY),
                                        "limit": 1000, "recheck": now + SWEEP_RECHECK})

    # Mood history: 8 rows a user, 20 days apart (three past the 90-day retention); ten days of
    # past decisions (three past the 7-day retention of declines).
    population = Population(users=args.users, messages=args.messages, days=30, mood_rows=8,
                            mood_spacing=timedelta(days=20), decision_days=10)
    with embedded_database() as url:
        seed_s, counts = load(url, NOW, population)
        clock = {"now": NOW}
        sink = LocalDiscordSink()
        queue = CountingQueue()
        c = Container(Settings(database_url=url), clock=lambda: clock["now"], job_queue=queue,
                      discord=DiscordRestClient(BASE_URL, http_client=sink.client()))
        db, schedules = c.database, c.schedule_repo
        print(f"seeded {args.users:,} users in {seed_s:.1f} s: {counts['needs']:,} needs, "
              f"{counts['interactions']:,} interactions, {counts['personality_state']:,} mood rows, "
              f"{counts['proactive_decisions']:,} proactive decisions")

        # --- hourly need growth (the personality service's statement) ---
        grow_ms, grown = timed(lambda: c.personality.grow_all_needs(NOW))

        # --- the proactive sweep's candidate query ---
        claim_plan, claim_explain_ms = explain_claim(db, NOW)
        first_sweep_ms, first = timed(lambda: c.scheduled_jobs.proactive_sweep(NOW))
        # Steady state: every eligible user due once within the next hour.
        with db.unscoped() as tx:
            tx.execute(
                """UPDATE user_profiles SET proactive_next_check_at = %s
                       + make_interval(secs => (hashtext(user_id) & 2147483647) %% 3600)""",
                (NOW,))
        db.connection().execute("VACUUM ANALYZE user_profiles")
        clock["now"] = NOW + timedelta(minutes=5)
        steady_plan, steady_explain_ms = explain_claim(db, clock["now"])
        steady_sweep_ms, steady = timed(lambda: c.scheduled_jobs.proactive_sweep(clock["now"]))

        # --- the reflection sweep's claim (each user's night: benchmarks/bench_fanout.py runs a day) ---
        night = NOW + timedelta(hours=13)
        nightly_plan, nightly_explain_ms = explain(db, _CLAIM_REFLECTIONS_SQL, {
            "now": night, "active_since": night - timedelta(days=7), "limit": 1000})
        nightly_ms, nightly_users = timed(lambda: schedules.claim_reflections(night, 7, 1000)[1])

        # --- per-user scoring throughput ---
        rng = random.Random(7)
        sample = [f"u{rng.randint(1, args.users)}" for _ in range(args.score)]
        proactive = c.proactive
        latencies = []
        t = time.perf_counter()
        for user_id in sample:
            s = time.perf_counter()
            state = c.outreach_repo.outreach_state(user_id, clock["now"])
            proactive.score(user_id, clock["now"], state)
            latencies.append((time.perf_counter() - s) * 1000)
        score_s = time.perf_counter() - t

        # --- whole proactive jobs (limits, score, decision, starter, delivery) ---
        threshold, proactive.threshold = proactive.threshold, 0.0  # every job goes all the way to a send
        outcomes: dict[str, int] = {}
        slot = clock["now"] + timedelta(minutes=5)
        clock["now"] = slot
        t = time.perf_counter()
        for user_id in sample[: args.jobs]:
            outcome = proactive.run(UserJob("proactive", user_id, slot))
            outcomes[outcome.status] = outcomes.get(outcome.status, 0) + 1
        jobs_s = time.perf_counter() - t
        proactive.threshold = threshold

        # --- decision rows a user adds in a day: a day of real sweeps over --day-users users ---
        if args.recheck_hourly:
            import companion.services.proactive as proactive_module
            proactive_module.recheck_after_decline = lambda now, *a, floor, fallback: now + floor
        day = simulate_day(c, clock, queue, rng, args.users, args.day_users, UserJob)
        with db.unscoped() as tx:
            bytes_per_row = tx.execute(
                "SELECT pg_total_relation_size('proactive_decisions')::float / count(*) AS b FROM proactive_decisions"
            ).fetchone()["b"]

        # --- the daily retention purge (set-wise DELETEs), with the mood-history delete's plan ---
        purge_at = day["end"] + timedelta(hours=4, minutes=30)
        from companion.adapters.postgres.schedules import PERSONALITY_HISTORY_RETENTION_DAYS
        mood_plan, mood_explain_ms = explain(
            db, "DELETE FROM personality_state WHERE NOT is_current AND timestamp < %s",
            (purge_at - timedelta(days=PERSONALITY_HISTORY_RETENTION_DAYS),))
        clock["now"] = purge_at
        purge_ms, purge = timed(lambda: c.scheduled_jobs.retention_purge(purge_at))
        db.close()

    print("\n--- proactive candidate query, first sweep (everyone due): EXPLAIN (ANALYZE, BUFFERS) ---")
    print(claim_plan)
    print("\n--- proactive candidate query, steady state: EXPLAIN (ANALYZE, BUFFERS) ---")
    print(steady_plan)
    print("\n--- reflection claim (a batch of 1,000): EXPLAIN (ANALYZE, BUFFERS) ---")
    print(nightly_plan)
    print("\n--- retention purge, mood history: EXPLAIN (ANALYZE, BUFFERS) ---")
    print(mood_plan)
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    per_user_day = day["rows"] / day["users"]
    # What the table holds once the purge keeps pace: declines/blocks 7 days, sends 90.
    retained_per_user = (day["rows"] - day["send"]) / day["users"] * 7 + day["send"] / day["users"] * 90
    print(f"\nneed growth: {grown:,} rows in {grow_ms:.0f} ms")
    print(f"first sweep after deploy: {first.users_selected:,} users claimed and fanned out in {first_sweep_ms:.0f} ms")
    print(f"steady-state sweep: {steady.users_selected:,} users in {steady_sweep_ms:.0f} ms "
          f"(one claim batch of 1,000: {steady_explain_ms:.1f} ms in the plan)")
    print(f"reflection claim: {nightly_users:,} users in {nightly_ms:.0f} ms")
    print(f"scoring: {args.score} users in {score_s:.2f} s = {args.score / score_s:.0f} users/s "
          f"(p50 {p50:.1f} ms, p95 {p95:.1f} ms per user)")
    print(f"whole proactive jobs: {args.jobs} in {jobs_s:.2f} s = {args.jobs / jobs_s:.0f} jobs/s; outcomes {outcomes}")
    print(f"a day of sweeps over {day['users']} users: {day['jobs']} jobs, {day['rows']} decision rows "
          f"({per_user_day:.2f} per user a day; by outcome {day['by_outcome']}); {bytes_per_row:.0f} bytes a row "
          f"with indexes -> {per_user_day * args.users:,.0f} rows ({per_user_day * args.users * bytes_per_row / 2**20:,.0f} MiB) "
          f"a day at {args.users:,} users, {retained_per_user * args.users:,.0f} rows "
          f"({retained_per_user * args.users * bytes_per_row / 2**30:.2f} GiB) kept under the retention")
    print(f"retention purge: {purge.rows_affected:,} rows in {purge_ms:.0f} ms {purge.details}")
    print(json.dumps({
        "benchmark": "outreach_schedules", "users": args.users, "interactions_rows": counts["interactions"],
        "need_growth_ms": round(grow_ms), "need_growth_rows": grown,
        "first_sweep_ms": round(first_sweep_ms), "first_sweep_users": first.users_selected,
        "steady_sweep_ms": round(steady_sweep_ms), "steady_sweep_users": steady.users_selected,
        "claim_batch_explain_ms": round(claim_explain_ms, 1), "steady_claim_batch_explain_ms": round(steady_explain_ms, 1),
        "nightly_selection_ms": round(nightly_ms), "nightly_users": nightly_users,
        "nightly_explain_ms": round(nightly_explain_ms, 1),
        "scoring_users_per_s": round(args.score / score_s), "scoring_p50_ms": round(p50, 1),
        "scoring_p95_ms": round(p95, 1), "jobs_per_s": round(args.jobs / jobs_s, 1),
        "decision_rows_per_user_day": round(per_user_day, 2), "decision_bytes_per_row": round(bytes_per_row),
        "decision_rows_kept_per_user": round(retained_per_user, 1),
        "purge_ms": round(purge_ms), "purge_rows": purge.rows_affected,
        "purge_mood_history_rows": purge.details.get("personality_history"),
        "purge_mood_history_explain_ms": round(mood_explain_ms, 1),
    }))


def simulate_day(c, clock, queue, rng, users: int, day_users: int, UserJob) -> dict:
    """A day of the real 5-minute sweep (claim query, fan-out, per-user jobs run in process) with
    outreach left only to ``day_users`` random users, who never answer (the back-off then does its
    work). Returns the decision rows the day added, by outcome."""
    chosen = sorted({f"u{rng.randint(1, users)}" for _ in range(day_users)})
    start = (clock["now"] + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    with c.database.unscoped() as tx:
        tx.execute("UPDATE user_profiles SET proactive_next_check_at = CASE WHEN user_id = ANY(%s) "
                   "THEN %s ELSE 'infinity' END", (chosen, start))
    queue.kept, jobs = [], 0
    for tick in range(SWEEPS_PER_DAY):
        clock["now"] = at = start + timedelta(minutes=5 * tick)
        c.scheduled_jobs.proactive_sweep(at)
        kept, queue.kept = queue.kept, []
        for body in kept:
            c.proactive.run(UserJob.from_dict(body))
            jobs += 1
    queue.kept = None
    end = start + timedelta(days=1)
    with c.database.unscoped() as tx:
        rows = tx.execute(
            """SELECT outcome, count(*) AS n FROM proactive_decisions
               WHERE decided_at >= %s AND decided_at < %s GROUP BY outcome""", (start, end)).fetchall()
    by_outcome = {r["outcome"]: r["n"] for r in rows}
    return {"users": len(chosen), "jobs": jobs, "rows": sum(by_outcome.values()), "send": by_outcome.get("send", 0),
            "by_outcome": by_outcome, "end": end}


if __name__ == "__main__":
    main()
