"""Reads across all users for operators (the admin and health routes). Every method here is
deliberately unscoped and returns aggregates or profile summaries, never conversation content."""
from __future__ import annotations

from datetime import datetime

from ...domain.operations import FleetStats, IncidentSummary, TurnMetrics, UserSummary
from .database import Database


class FleetRepository:
    def __init__(self, db: Database):
        self.db = db

    def ping(self) -> None:
        with self.db.unscoped() as conn:
            conn.execute("SELECT 1").fetchone()

    def list_users(self, limit: int, after: tuple[datetime, str] | None = None) -> list[UserSummary]:
        """Newest companions first; ``after`` is the (created_at, user_id) of the previous page's
        last row (keyset pagination: stable while users are added)."""
        where, params = "", []
        if after is not None:
            where, params = "WHERE (p.created_at, p.user_id) < (%s, %s)", [after[0], after[1]]
        with self.db.unscoped() as conn:
            rows = conn.execute(
                f"""SELECT p.user_id, p.discord_username AS username, p.status, p.created_at,
                           p.last_active, p.total_interactions,
                           (SELECT count(*) FROM memories m
                            WHERE m.user_id = p.user_id AND m.valid_to IS NULL) AS memory_count
                    FROM user_profiles p {where}
                    ORDER BY p.created_at DESC, p.user_id DESC LIMIT %s""",
                (*params, limit),
            ).fetchall()
        return [UserSummary(**row) for row in rows]

    def stats(self, now: datetime) -> FleetStats:
        with self.db.unscoped() as conn:
            row = conn.execute(
                """SELECT
                     (SELECT count(*) FROM user_profiles) AS users_total,
                     (SELECT count(*) FROM user_profiles WHERE last_active > %(now)s - interval '1 day') AS users_active_24h,
                     (SELECT count(*) FROM user_profiles WHERE last_active > %(now)s - interval '7 days') AS users_active_7d,
                     (SELECT count(*) FROM interactions) AS interactions_total,
                     (SELECT count(*) FROM interactions WHERE timestamp > %(now)s - interval '1 day') AS interactions_24h,
                     (SELECT count(*) FROM memories WHERE valid_to IS NULL) AS memories_total,
                     (SELECT count(*) FROM memories WHERE indexed_at IS NULL) AS memories_unindexed,
                     (SELECT count(*) FROM security_incidents) AS security_incidents_total,
                     (SELECT count(*) FROM security_incidents WHERE NOT coalesce(admin_reviewed, false)) AS security_incidents_unreviewed,
                     (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL) AS api_keys_active""",
                {"now": now},
            ).fetchone()
        return FleetStats(**row)

    def turn_metrics(self, since: datetime) -> TurnMetrics:
        with self.db.unscoped() as conn:
            row = conn.execute(
                """SELECT count(*) AS interactions,
                          count(*) FILTER (WHERE error_occurred) AS errors,
                          count(*) FILTER (WHERE fallback_used) AS fallbacks,
                          count(DISTINCT user_id) AS active_users,
                          percentile_cont(0.5) WITHIN GROUP (ORDER BY response_time_ms) AS response_ms_p50,
                          percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms) AS response_ms_p95,
                          coalesce(sum(memories_stored), 0) AS memories_stored
                   FROM interactions WHERE timestamp > %s""",
                (since,),
            ).fetchone()
            incidents = conn.execute(
                "SELECT count(*) AS n FROM security_incidents WHERE detected_at > %s", (since,)
            ).fetchone()["n"]
        return TurnMetrics(**row, security_incidents=incidents)

    def users_with_pending_memories(self, limit: int) -> list[str]:
        """Users whose memories an outage left unembedded or unindexed."""
        with self.db.unscoped() as conn:
            rows = conn.execute(
                """SELECT DISTINCT user_id FROM memories
                   WHERE indexed_at IS NULL AND valid_to IS NULL ORDER BY user_id LIMIT %s""",
                (limit,),
            ).fetchall()
        return [row["user_id"] for row in rows]

    def list_incidents(self, limit: int, after: tuple[datetime, str] | None = None, *,
                       user_id: str | None = None, unreviewed_only: bool = False) -> list[IncidentSummary]:
        """Security incidents, newest first, for review; ``after`` is the (detected_at, id) of the
        previous page's last incident."""
        where, params = ["TRUE"], []
        if user_id is not None:
            where.append("user_id = %s")
            params.append(user_id)
        if unreviewed_only:
            where.append("NOT coalesce(admin_reviewed, false)")
        if after is not None:
            where.append("(detected_at, id) < (%s, %s)")
            params += [after[0], int(after[1])]
        with self.db.unscoped() as conn:
            rows = conn.execute(
                f"""SELECT id, user_id, incident_type, severity, confidence, detection_method,
                           detected_content, escalation_level, detected_at,
                           coalesce(admin_reviewed, false) AS admin_reviewed, false_positive, admin_notes
                    FROM security_incidents WHERE {" AND ".join(where)}
                    ORDER BY detected_at DESC, id DESC LIMIT %s""",
                (*params, limit),
            ).fetchall()
        return [IncidentSummary(**row) for row in rows]
