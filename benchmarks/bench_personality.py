"""The schedules' set-based statements at scale: hourly need growth and nightly baseline drift
over N users (default 100,000) in embedded PostgreSQL, with their EXPLAIN ANALYZE plans.

    .venv/bin/python benchmarks/bench_personality.py [--users 100000] [--interactions 7]

Seeds N users with population.py (the loader bench_outreach.py shares: one current
personality row each plus one history row, five needs each, and ``--interactions`` interactions
in the last week for 80 % of them, so the drift has work and the HAVING count(*) >= 5 filter has
something to reject), then times, through the real repositories:
- NeedsRepository.grow_all_needs: the hourly growth, ONE UPDATE over every user's needs;
- ProfileRepository.drift_all_baselines: the nightly drift, ONE UPDATE ... FROM (aggregate);
each once cold-ish and once more an hour / a night later, and prints each statement's plan
(EXPLAIN (ANALYZE, BUFFERS), run in a transaction that is rolled back). Ends with one JSON line.
"""
from __future__ import annotations

import argparse
import json
import warnings
from datetime import datetime, timedelta, timezone

from population import Population, embedded_database, explain, load, timed

warnings.filterwarnings("ignore")
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=7, help="per active user, in the last week")
    args = parser.parse_args()

    from companion.adapters.postgres import Database, NeedsRepository, ProfileRepository
    from companion.adapters.postgres import needs as needs_module
    from companion.adapters.postgres import profiles as profiles_module
    from companion.domain.pad import DRIFT_MIN_INTERACTIONS, DRIFT_RATE, DRIFT_WINDOW_DAYS

    # Talking users wrote --interactions times in the last week; every 5th user was quiet (the
    # HAVING count(*) >= 5 filter has something to reject).
    population = Population(users=args.users, messages=args.interactions, days=6, quiet_share=0.2)
    with embedded_database() as url:
        seed_s, counts = load(url, NOW, population)
        db = Database(url)
        needs, profiles = NeedsRepository(db), ProfileRepository(db)
        print(f"seeded {args.users:,} users in {seed_s:.1f} s: {counts['needs']:,} needs, "
              f"{counts['interactions']:,} interactions, {counts['personality_state']:,} personality rows")

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
