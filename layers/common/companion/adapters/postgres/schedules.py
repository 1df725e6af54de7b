"""Cross-user, set-based statements for the scheduled jobs. Each runs in ``Database.unscoped()``:
one statement over all users, never a loop of queries per user (the per-user work is fanned out
to the work queue and done in ``Database.scoped``)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from ...domain.proactive import MIN_HOURS_AWAY
from ...domain.security import OFFENCE_WINDOW
from .database import Database

# Decisions not to send are kept a week (enough to explain a quiet week; they are most of the
# rows: up to ~16 per user a day); sent ones and reports 90 days.
DECLINED_RETENTION_DAYS = 7
DECISION_RETENTION_DAYS = 90
REPORT_RETENTION_DAYS = 90
# The mood history (one personality_state row per turn that moved the mood): 90 days, the
# furthest GET /personality/history reaches; each user's current state is never purged.
PERSONALITY_HISTORY_RETENTION_DAYS = 90


# The proactive sweep's candidate query (see claim_proactive_candidates).
_CLAIM_SQL = """WITH due AS (
    SELECT user_id FROM user_profiles p
    WHERE p.proactive_messaging_enabled AND p.status = 'active'
      AND p.proactive_next_check_at <= %(now)s
      AND p.last_active <= %(away)s
      AND NOT (CASE
          WHEN p.quiet_hours_start = p.quiet_hours_end THEN false
          WHEN p.quiet_hours_start < p.quiet_hours_end THEN
              extract(hour FROM %(now)s AT TIME ZONE p.timezone)
                  BETWEEN p.quiet_hours_start AND p.quiet_hours_end - 1
          ELSE extract(hour FROM %(now)s AT TIME ZONE p.timezone) >= p.quiet_hours_start
               OR extract(hour FROM %(now)s AT TIME ZONE p.timezone) < p.quiet_hours_end
      END)
    ORDER BY p.proactive_next_check_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE user_profiles p SET proactive_next_check_at = %(recheck)s
FROM due WHERE p.user_id = due.user_id
RETURNING p.user_id"""


# The reflection sweep's claim (see claim_reflections and migration 086).
_CLAIM_REFLECTIONS_SQL = """WITH due AS (
    SELECT user_id, reflection_due_at FROM user_profiles
    WHERE reflection_due_at <= %(now)s
    ORDER BY reflection_due_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE user_profiles p SET reflection_due_at = CASE
            WHEN p.last_active > %(active_since)s THEN companion_reflection_slot(p.user_id, p.timezone, %(now)s)
            ELSE 'infinity' END
    FROM due WHERE p.user_id = due.user_id
    RETURNING p.user_id, p.timezone, p.last_active
)
SELECT claimed.user_id, due.reflection_due_at AS slot,
       due.reflection_due_at > '-infinity' AND claimed.last_active > %(active_since)s
           AND companion_in_reflection_night(claimed.timezone, %(now)s) AS run
FROM claimed JOIN due ON due.user_id = claimed.user_id"""


class ScheduleRepository:
    def __init__(self, db: Database):
        self.db = db

    # --- run bookkeeping -------------------------------------------------------------------------

    def record_run(self, job: str, scheduled_for: datetime, started: datetime, finished: datetime, *,
                   users_selected: int = 0, jobs_enqueued: int = 0, rows_affected: int | None = None,
                   summary: dict[str, Any] | None = None) -> bool:
        """Records a finished run; False when this job already ran for this scheduled time
        (EventBridge Scheduler delivers at least once; every job is safe to run twice)."""
        with self.db.unscoped() as conn:
            cur = conn.execute(
                """INSERT INTO scheduled_runs (job, scheduled_for, started_at, finished_at, users_selected,
                       jobs_enqueued, rows_affected, summary)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (job, scheduled_for) DO NOTHING""",
                (job, scheduled_for, started, finished, users_selected, jobs_enqueued, rows_affected,
                 Jsonb(summary or {})),
            )
        return cur.rowcount == 1

    def get_run(self, job: str, scheduled_for: datetime) -> dict | None:
        with self.db.unscoped() as conn:
            return conn.execute("SELECT * FROM scheduled_runs WHERE job = %s AND scheduled_for = %s",
                                (job, scheduled_for)).fetchone()

    def reflection_summary(self, since: datetime, until: datetime) -> dict[str, int]:
        """How the reflections of the nights whose slots fell in [since, until) went, by status."""
        with self.db.unscoped() as conn:
            rows = conn.execute(
                """SELECT status, count(*) AS n FROM reflection_reports
                   WHERE scheduled_for >= %s AND scheduled_for < %s GROUP BY status""",
                (since, until),
            ).fetchall()
        return {r["status"]: r["n"] for r in rows}

    # --- proactive sweep -------------------------------------------------------------------------

    def claim_proactive_candidates(self, now: datetime, recheck_at: datetime, limit: int) -> list[str]:
        """Users the proactive sweep should score now, claimed in one statement (their next check
        moves to ``recheck_at``, so overlapping sweeps never pick the same user twice): outreach on,
        not suspended, due, away for at least 4 hours, and outside their quiet hours in their own
        time zone."""
        with self.db.unscoped() as conn:
            rows = conn.execute(
                _CLAIM_SQL,
                {"now": now, "away": now - timedelta(hours=MIN_HOURS_AWAY), "limit": limit,
                 "recheck": recheck_at},
            ).fetchall()
        return [r["user_id"] for r in rows]

    # --- nightly reflection ----------------------------------------------------------------------

    def claim_reflections(self, now: datetime, active_days: int, limit: int) -> tuple[list[tuple[str, datetime]], int]:
        """Claims up to ``limit`` users whose reflection moment has come (their next one is set in
        the same statement, so a repeated or overlapping sweep never takes a user twice). Returns
        (user, their slot) for those to reflect now -- active in the last ``active_days`` (the
        seed's get_active_users_for_reflection) and still in their night on their clock -- and how
        many were claimed in all. The others are only rescheduled: a user new (or back after a
        week away) gets their first moment, a night the sweeps missed is skipped, and an inactive
        user is parked at 'infinity' until they write again (``touch_profile``)."""
        with self.db.unscoped() as conn:
            rows = conn.execute(
                _CLAIM_REFLECTIONS_SQL,
                {"now": now, "active_since": now - timedelta(days=active_days), "limit": limit},
            ).fetchall()
        return [(r["user_id"], r["slot"]) for r in rows if r["run"]], len(rows)

    # --- retention -------------------------------------------------------------------------------

    def purge(self, now: datetime, default_days: int) -> dict[str, int]:
        """Deletes what has outlived its use, set-wise: declined/blocked decisions after a week,
        every decision, reflection report (and its insights) and run record after 90 days, mood
        history (not the current state) after 90 days; and past each user's retention (their
        data_retention_days, else ``default_days``, the deployment's): their proactive decisions,
        their security incidents (the flagged message is theirs too) and their interactions. The
        memories and what derives from them: services/retention.py."""
        out = {}
        days = "coalesce(p.data_retention_days, %(default_days)s)"
        retention = {"now": now, "default_days": default_days}
        with self.db.unscoped() as conn:
            shortest = conn.execute(f"SELECT min({days}) AS d FROM user_profiles p", retention).fetchone()["d"]
            # Every statement bounds the age by the shortest retention first (an index range),
            # then by each user's own.
            retention["shortest"] = shortest if shortest is not None else default_days
            out["decisions_declined"] = conn.execute(
                "DELETE FROM proactive_decisions WHERE outcome <> 'send' AND decided_at < %s",
                (now - timedelta(days=DECLINED_RETENTION_DAYS),),
            ).rowcount
            out["decisions"] = conn.execute(
                "DELETE FROM proactive_decisions WHERE decided_at < %s",
                (now - timedelta(days=DECISION_RETENTION_DAYS),),
            ).rowcount
            out["decisions"] += conn.execute(
                f"""DELETE FROM proactive_decisions d USING user_profiles p
                    WHERE p.user_id = d.user_id
                      AND d.decided_at < %(now)s - make_interval(days => %(shortest)s)
                      AND d.decided_at < %(now)s - make_interval(days => {days})""",
                retention,
            ).rowcount
            out["reflection_reports"] = conn.execute(
                "DELETE FROM reflection_reports WHERE scheduled_for < %s",
                (now - timedelta(days=REPORT_RETENTION_DAYS),),
            ).rowcount
            out["reflection_insights"] = conn.execute(
                "DELETE FROM reflection_insights WHERE reflected_at < %s",
                (now - timedelta(days=REPORT_RETENTION_DAYS),),
            ).rowcount
            out["scheduled_runs"] = conn.execute(
                "DELETE FROM scheduled_runs WHERE scheduled_for < %s",
                (now - timedelta(days=REPORT_RETENTION_DAYS),),
            ).rowcount
            out["personality_history"] = conn.execute(
                "DELETE FROM personality_state WHERE NOT is_current AND timestamp < %s",
                (now - timedelta(days=PERSONALITY_HISTORY_RETENTION_DAYS),),
            ).rowcount
            # An incident counts towards escalation for 7 days: never purged younger than that.
            out["security_incidents"] = conn.execute(
                f"""DELETE FROM security_incidents s USING user_profiles p
                    WHERE p.user_id = s.user_id
                      AND s.detected_at < %(now)s - make_interval(days => GREATEST(%(shortest)s, %(window)s))
                      AND s.detected_at < %(now)s - make_interval(days => GREATEST({days}, %(window)s))""",
                {**retention, "window": OFFENCE_WINDOW.days},
            ).rowcount
            out["interactions"] = conn.execute(
                f"""DELETE FROM interactions i USING user_profiles p
                    WHERE p.user_id = i.user_id
                      AND i.timestamp < %(now)s - make_interval(days => {days})
                      AND NOT EXISTS (SELECT 1 FROM security_incidents s WHERE s.interaction_id = i.id)""",
                retention,
            ).rowcount
        return out
