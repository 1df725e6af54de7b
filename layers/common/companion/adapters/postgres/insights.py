"""What the nightly reflection noticed, per user (reflection_insights) and for the fleet
(system_insights): migration 091."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from psycopg.types.json import Jsonb

from .database import Database, lock_user

# A night of the fleet's reflections in numbers, in one statement over that day's rows (never the
# rows themselves in Python: 100k users' JSON would not fit a sweep's memory).
_FLEET_SQL = """
WITH night AS (
    SELECT conversation_patterns, behaviour, emotional_cycles, insights, analyst
    FROM reflection_insights WHERE reflected_at >= %(start)s AND reflected_at < %(end)s
)
SELECT
    (SELECT count(*) FROM night) AS users_reflected,
    (SELECT count(*) FROM night WHERE jsonb_array_length(insights) > 0) AS users_with_insights,
    (SELECT coalesce(jsonb_object_agg(k, n), '{}') FROM (
        SELECT i->>'kind' AS k, count(*) AS n FROM night, jsonb_array_elements(insights) i GROUP BY 1) x
    ) AS insight_kinds,
    (SELECT coalesce(jsonb_object_agg(k, n), '{}') FROM (
        SELECT c->>'kind' AS k, count(*) AS n
        FROM night, jsonb_array_elements(coalesce(behaviour->'detected_changes', '[]')) c GROUP BY 1) x
    ) AS behaviour_changes,
    (SELECT coalesce(jsonb_object_agg(k, n), '{}') FROM (
        SELECT p->'metadata'->>'part_of_day' AS k, count(*) AS n
        FROM night, jsonb_array_elements(conversation_patterns) p
        WHERE p->'metadata' ? 'part_of_day' GROUP BY 1) x
    ) AS favourite_part_of_day,
    (SELECT count(*) FROM night WHERE emotional_cycles->'daily'->>'detected' = 'true') AS daily_mood_cycles,
    (SELECT count(*) FROM night WHERE emotional_cycles->'weekly'->>'detected' = 'true') AS weekly_mood_cycles,
    (SELECT coalesce(jsonb_object_agg(analyst, n), '{}') FROM (
        SELECT analyst, count(*) AS n FROM night GROUP BY 1) x
    ) AS analysts
"""


class InsightRepository:
    def __init__(self, db: Database):
        self.db = db

    def save_insights(self, user_id: str, reflected_at: datetime, *, conversation_patterns: list, behaviour: dict,
                      emotional_cycles: dict, insights: list, analyst: str) -> bool:
        """One night's insights; False when the user was erased meanwhile (nothing comes back)."""
        with self.db.scoped(user_id) as tx:
            if not lock_user(tx, user_id):
                return False
            tx.execute(
                """INSERT INTO reflection_insights (user_id, reflected_at, conversation_patterns, behaviour,
                       emotional_cycles, insights, analyst) VALUES (%s, %s, %s, %s, %s, %s, %s)""",
                (user_id, reflected_at, Jsonb(conversation_patterns), Jsonb(behaviour), Jsonb(emotional_cycles),
                 Jsonb(insights), analyst[:20]),
            )
        return True

    def insights_since(self, user_id: str, since: datetime | None = None, limit: int = 30) -> list[dict[str, Any]]:
        """The user's nights of insights, newest first (all of them with ``since`` None)."""
        with self.db.scoped(user_id) as conn:
            return conn.execute(
                """SELECT reflected_at, conversation_patterns, behaviour, emotional_cycles, insights, analyst
                   FROM reflection_insights WHERE user_id = %s AND reflected_at >= %s
                   ORDER BY reflected_at DESC, id DESC LIMIT %s""",
                (user_id, since or datetime.min.replace(tzinfo=timezone.utc), limit),
            ).fetchall()

    def summarise_day(self, day: date, now: datetime) -> dict | None:
        """The fleet's insights for the UTC ``day`` (stored once; None when already stored)."""
        start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        with self.db.unscoped() as tx:
            if tx.execute("SELECT 1 FROM system_insights WHERE day = %s", (day,)).fetchone():
                return None
            summary = dict(tx.execute(_FLEET_SQL, {"start": start, "end": start + timedelta(days=1)}).fetchone())
            statuses = tx.execute(
                """SELECT status, count(*) AS n FROM reflection_reports
                   WHERE started_at >= %s AND started_at < %s GROUP BY status""",
                (start, start + timedelta(days=1)),
            ).fetchall()
            summary["reflections"] = {r["status"]: r["n"] for r in statuses}
            stored = tx.execute(
                """INSERT INTO system_insights (day, computed_at, insights) VALUES (%s, %s, %s)
                   ON CONFLICT (day) DO NOTHING RETURNING day""",
                (day, now, Jsonb(summary)),
            ).fetchone()
        return summary if stored else None

    def system_insights(self, limit: int = 7) -> list[dict[str, Any]]:
        """The fleet's nights, newest first."""
        with self.db.unscoped() as conn:
            return conn.execute(
                "SELECT day, computed_at, insights FROM system_insights ORDER BY day DESC LIMIT %s", (limit,),
            ).fetchall()
