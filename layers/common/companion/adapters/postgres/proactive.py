"""Proactive outreach for one user: settings, activity, decisions and their delivery. Every
method runs inside ``Database.scoped(user_id)``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ...domain.models import Memory
from ...domain.proactive import (
    HISTORY_DAYS, MAX_UNANSWERED_IN_A_ROW, PATTERN_DAYS, MIN_HOURS_AWAY, OutreachState, PatternStats,
    ProactiveScore,
)
from .database import Database, lock_user

# A user's message this long after a proactive one still counts as the answer to it.
ANSWER_WINDOW_HOURS = 48


@dataclass(frozen=True)
class Activity:
    local_hourly: dict[int, int]
    local_weekly: dict[int, int]
    utc_hourly: dict[int, int]


@dataclass(frozen=True)
class StoredDecision:
    id: int
    user_id: str
    slot: datetime
    outcome: str
    reason: str | None
    status: str
    content: str | None
    attempts: int
    trigger_reason: str | None
    total_score: float | None
    sent_at: datetime | None
    channel_id: str | None
    delivery: str | None
    origin: str = "sweep"
    forced: bool = False


_DECISION_COLUMNS = """id, user_id, slot, outcome, reason, status, content, attempts, trigger_reason,
                       total_score, sent_at, channel_id, delivery, origin, forced"""


class OutreachRepository:
    def __init__(self, db: Database):
        self.db = db

    # --- settings --------------------------------------------------------------------------------

    def get_settings(self, user_id: str) -> dict[str, Any] | None:
        with self.db.scoped(user_id) as conn:
            return conn.execute(
                """SELECT proactive_messaging_enabled AS proactive, timezone, timezone_source,
                          quiet_hours_start, quiet_hours_end, status, last_channel_id, data_retention_days
                   FROM user_profiles WHERE user_id = %s""",
                (user_id,),
            ).fetchone()

    def update_settings(self, user_id: str, changes: dict[str, Any], now: datetime) -> None:
        """``changes``: any of proactive (bool), timezone (a valid IANA name), quiet_hours_start,
        quiet_hours_end. Turning outreach back on makes the user due for the next sweep."""
        columns = {"proactive": "proactive_messaging_enabled", "timezone": "timezone",
                   "quiet_hours_start": "quiet_hours_start", "quiet_hours_end": "quiet_hours_end"}
        sets, values = [], []
        for key, value in changes.items():
            sets.append(f"{columns[key]} = %s")
            values.append(value)
        if "timezone" in changes:
            sets.append("timezone_source = 'user'")
        if changes.get("proactive") is True:
            sets.append("proactive_next_check_at = %s")
            values.append(now)
        if not sets:
            return
        with self.db.scoped(user_id) as conn:
            conn.execute(f"UPDATE user_profiles SET {', '.join(sets)} WHERE user_id = %s", (*values, user_id))

    def set_inferred_timezone(self, user_id: str, zone_name: str) -> bool:
        """Adopts a time zone learnt from activity unless the user set one themselves."""
        with self.db.scoped(user_id) as conn:
            cur = conn.execute(
                """UPDATE user_profiles SET timezone = %s, timezone_source = 'inferred'
                   WHERE user_id = %s AND timezone_source <> 'user' AND timezone IS DISTINCT FROM %s""",
                (zone_name, user_id, zone_name),
            )
        return cur.rowcount == 1

    # --- what the user did -------------------------------------------------------------------------

    def note_user_turn(self, tx: psycopg.Connection, user_id: str, now: datetime, channel_id: str | None,
                       guild_id: str | None) -> None:
        """A message from the user: it answers the last proactive message (if recent and
        unanswered), remembers the guild channel as the DM fallback, and holds outreach off for
        the next hours (the user is here)."""
        tx.execute(
            """UPDATE proactive_decisions SET answered_at = %s
               WHERE id = (SELECT id FROM proactive_decisions
                           WHERE user_id = %s AND sent_at IS NOT NULL AND sent_at <= %s AND sent_at > %s
                           ORDER BY sent_at DESC LIMIT 1)
                 AND answered_at IS NULL""",
            (now, user_id, now, now - timedelta(hours=ANSWER_WINDOW_HOURS)),
        )
        tx.execute(
            """UPDATE user_profiles SET proactive_next_check_at = %s,
                      last_channel_id = COALESCE(%s, last_channel_id)
               WHERE user_id = %s""",
            (now + timedelta(hours=MIN_HOURS_AWAY), channel_id if guild_id else None, user_id),
        )

    def outreach_state(self, user_id: str, now: datetime) -> OutreachState | None:
        with self.db.scoped(user_id) as conn:
            profile = conn.execute(
                """SELECT proactive_messaging_enabled, status, timezone, quiet_hours_start,
                          quiet_hours_end, last_active
                   FROM user_profiles WHERE user_id = %s""",
                (user_id,),
            ).fetchone()
            if profile is None:
                return None
            sent = conn.execute(
                """SELECT sent_at, answered_at IS NOT NULL AS answered FROM proactive_decisions
                   WHERE user_id = %s AND sent_at IS NOT NULL ORDER BY sent_at DESC LIMIT %s""",
                (user_id, max(MAX_UNANSWERED_IN_A_ROW, 8)),
            ).fetchall()
        streak = 0
        for row in sent:
            if row["answered"]:
                break
            streak += 1
        return OutreachState(
            enabled=bool(profile["proactive_messaging_enabled"]),
            suspended=(profile["status"] or "active") != "active",
            timezone=profile["timezone"] or "UTC",
            quiet_start=profile["quiet_hours_start"],
            quiet_end=profile["quiet_hours_end"],
            last_active=profile["last_active"],
            sent_times=[r["sent_at"] for r in sent if r["sent_at"] > now - timedelta(hours=48)],
            last_sent=sent[0]["sent_at"] if sent else None,
            last_sent_answered=bool(sent[0]["answered"]) if sent else True,
            unanswered_in_a_row=streak,
        )

    def activity(self, user_id: str, now: datetime, timezone_name: str) -> Activity:
        """Counts of the user's own messages per local hour, local weekday and UTC hour over the
        last 30 days (one grouped query)."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                """SELECT extract(hour FROM timestamp AT TIME ZONE %s)::int AS lh,
                          extract(isodow FROM timestamp AT TIME ZONE %s)::int - 1 AS ld,
                          extract(hour FROM timestamp AT TIME ZONE 'UTC')::int AS uh,
                          count(*) AS n
                   FROM interactions
                   WHERE user_id = %s AND NOT is_proactive AND timestamp > %s AND timestamp <= %s
                   GROUP BY 1, 2, 3""",
                (timezone_name, timezone_name, user_id, now - timedelta(days=HISTORY_DAYS), now),
            ).fetchall()
        hourly: dict[int, int] = {}
        weekly: dict[int, int] = {}
        utc: dict[int, int] = {}
        for r in rows:
            hourly[r["lh"]] = hourly.get(r["lh"], 0) + r["n"]
            weekly[r["ld"]] = weekly.get(r["ld"], 0) + r["n"]
            utc[r["uh"]] = utc.get(r["uh"], 0) + r["n"]
        return Activity(hourly, weekly, utc)

    def pattern_stats(self, user_id: str, now: datetime) -> PatternStats | None:
        """The seed's get_recent_interaction_stats(days=7); None without interactions in the window."""
        since = now - timedelta(days=PATTERN_DAYS)
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                """WITH sessions AS (
                       SELECT session_id, count(*) AS messages, bool_or(is_proactive) AS proactive_start
                       FROM interactions
                       WHERE user_id = %s AND timestamp > %s AND timestamp <= %s
                       GROUP BY session_id
                   )
                   SELECT count(*) AS sessions, avg(messages) AS avg_len,
                          count(*) FILTER (WHERE NOT proactive_start) AS user_started
                   FROM sessions""",
                (user_id, since, now),
            ).fetchone()
            last = conn.execute(
                """SELECT max(timestamp) AS at FROM interactions
                   WHERE user_id = %s AND NOT is_proactive AND timestamp <= %s""",
                (user_id, now),
            ).fetchone()
            proactive = conn.execute(
                """SELECT count(*) AS sent, count(answered_at) AS answered FROM proactive_decisions
                   WHERE user_id = %s AND sent_at > %s AND sent_at <= %s""",
                (user_id, since, now),
            ).fetchone()
        if not row["sessions"]:
            return None
        started_by_companion = proactive["sent"]
        total = row["user_started"] + started_by_companion
        return PatternStats(
            proactive_response_rate=(proactive["answered"] / proactive["sent"]) if proactive["sent"] else 0.5,
            avg_conversation_length=float(row["avg_len"] or 3.0),
            hours_since_last_interaction=((now - last["at"]).total_seconds() / 3600) if last["at"] else 24.0,
            user_initiation_ratio=(row["user_started"] / total) if total else 0.5,
        )

    # --- decisions ---------------------------------------------------------------------------------

    def find_decision(self, user_id: str, slot: datetime) -> StoredDecision | None:
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                f"SELECT {_DECISION_COLUMNS} FROM proactive_decisions WHERE user_id = %s AND slot = %s",
                (user_id, slot),
            ).fetchone()
        return StoredDecision(**row) if row else None

    def record_decision(self, user_id: str, slot: datetime, now: datetime, *, outcome: str,
                        reason: str | None, score: ProactiveScore | None, next_check_at: datetime,
                        content: str | None = None, starter_source: str | None = None,
                        memory_id: str | None = None, trigger: str | None = None, origin: str = "sweep",
                        forced: bool = False, idle_since: datetime | None = None) -> StoredDecision | None:
        """Stores the decision (send or not) and when the user is next due, in one transaction.
        None when this slot was already decided (a redelivered job) or the user is gone.
        ``origin``: "sweep" or "operator" (the REST API); ``forced``: an admin overrode the limits
        (migration 081). ``idle_since``: the user's last activity when the job read it; if they
        have written since (a turn beside the job), a send is stored as blocked, "recently_active",
        instead: checked under the user's lock, so the turn and the decision never cross."""
        s = score
        with self.db.scoped(user_id) as tx:
            if not lock_user(tx, user_id):
                return None
            if outcome == "send" and idle_since is not None:
                seen = tx.execute("SELECT last_active FROM user_profiles WHERE user_id = %s", (user_id,)).fetchone()
                if seen["last_active"] is not None and seen["last_active"] > idle_since:
                    outcome, reason, content, starter_source, memory_id = "blocked", "recently_active", None, None, None
                    next_check_at = seen["last_active"] + timedelta(hours=MIN_HOURS_AWAY)
            row = tx.execute(
                f"""INSERT INTO proactive_decisions (user_id, slot, decided_at, outcome, reason,
                        total_score, need_score, timing_score, personality_factor, interaction_score,
                        recent_penalty, threshold, trigger_reason, components, status, content,
                        starter_source, memory_id, origin, forced)
                    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                    ON CONFLICT (user_id, slot) DO NOTHING
                    RETURNING {_DECISION_COLUMNS}""",
                (
                    user_id, slot, now, outcome, reason,
                    s and s.total_score, s and s.need_score, s and s.timing_score,
                    s and s.personality_factor, s and s.interaction_score, s and s.recent_penalty,
                    s and s.threshold, trigger or (s and s.trigger_reason), Jsonb(s.components if s else {}),
                    "pending" if outcome == "send" else "none", content, starter_source, memory_id,
                    origin, forced,
                ),
            ).fetchone()
            if row is None:
                return None
            tx.execute("UPDATE user_profiles SET proactive_next_check_at = %s WHERE user_id = %s",
                       (next_check_at, user_id))
        return StoredDecision(**row)

    @staticmethod
    def lock_user(tx: psycopg.Connection, user_id: str) -> bool:
        """The user's lock for this transaction (database.lock_user); False: the user is gone."""
        return lock_user(tx, user_id)

    def note_attempt(self, user_id: str, decision_id: int, error: str | None) -> int:
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                """UPDATE proactive_decisions SET attempts = attempts + 1, last_error = %s
                   WHERE user_id = %s AND id = %s RETURNING attempts""",
                (error[:500] if error else None, user_id, decision_id),
            ).fetchone()
        return row["attempts"]

    def finish_delivery(self, tx: psycopg.Connection, user_id: str, decision_id: int, *, status: str,
                        now: datetime, delivery: str | None = None, channel_id: str | None = None,
                        message_id: str | None = None, interaction_id: int | None = None,
                        error: str | None = None) -> None:
        tx.execute(
            """UPDATE proactive_decisions SET status = %s, delivery = %s, channel_id = %s,
                      message_id = %s, interaction_id = %s, last_error = COALESCE(%s, last_error),
                      sent_at = CASE WHEN %s = 'sent' THEN %s ELSE sent_at END
               WHERE user_id = %s AND id = %s""",
            (status, delivery, channel_id, message_id, interaction_id, error, status, now, user_id, decision_id),
        )
        if status == "sent":
            tx.execute(
                """UPDATE user_profiles SET total_proactive_conversations = total_proactive_conversations + 1
                   WHERE user_id = %s""",
                (user_id,),
            )

    def list_decisions(self, user_id: str, limit: int = 100) -> list[StoredDecision]:
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT {_DECISION_COLUMNS} FROM proactive_decisions WHERE user_id = %s
                    ORDER BY slot DESC LIMIT %s""",
                (user_id, limit),
            ).fetchall()
        return [StoredDecision(**r) for r in rows]

    def followup_candidates(self, user_id: str, now: datetime, days: int = 14, limit: int = 20) -> list[Memory]:
        """Recent episodic memories that matter to the user (importance >= 0.5, still valid) and
        that no earlier proactive message followed up: what the companion could ask about."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                """SELECT m.id::text, m.user_id, m.content, m.memory_type, m.importance, m.created_at,
                          m.access_count
                   FROM memories m
                   WHERE m.user_id = %s AND m.memory_type = 'episodic' AND m.valid_to IS NULL
                     AND m.importance >= 0.5 AND m.created_at > %s AND m.created_at <= %s
                     AND NOT EXISTS (SELECT 1 FROM proactive_decisions d
                                     WHERE d.user_id = m.user_id AND d.memory_id = m.id)
                   ORDER BY m.importance DESC, m.created_at DESC LIMIT %s""",
                (user_id, now - timedelta(days=days), now, limit),
            ).fetchall()
        return [Memory(**r) for r in rows]

    # --- reflection reports --------------------------------------------------------------------------

    def save_reflection_report(self, user_id: str, scheduled_for: datetime, started: datetime,
                               finished: datetime, status: str, report: dict, error: str | None) -> bool:
        with self.db.scoped(user_id) as conn:
            if not lock_user(conn, user_id):  # erased meanwhile (/forget-me): no report comes back
                return False
            cur = conn.execute(
                """INSERT INTO reflection_reports (user_id, scheduled_for, started_at, finished_at,
                       status, report, error)
                   VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (user_id, scheduled_for) DO NOTHING""",
                (user_id, scheduled_for, started, finished, status, Jsonb(report), error),
            )
        return cur.rowcount == 1

    def reflection_report(self, user_id: str, scheduled_for: datetime) -> dict | None:
        with self.db.scoped(user_id) as conn:
            return conn.execute(
                "SELECT * FROM reflection_reports WHERE user_id = %s AND scheduled_for = %s",
                (user_id, scheduled_for),
            ).fetchone()

    def reflection_facts(self, user_id: str, since: datetime, now: datetime) -> dict[str, Any]:
        """The day in numbers for the report: messages, proactive sends and answers, needs."""
        with self.db.scoped(user_id) as conn:
            talk = conn.execute(
                """SELECT count(*) FILTER (WHERE NOT is_proactive) AS messages,
                          count(DISTINCT session_id) AS conversations
                   FROM interactions WHERE user_id = %s AND timestamp > %s AND timestamp <= %s""",
                (user_id, since, now),
            ).fetchone()
            outreach = conn.execute(
                """SELECT count(*) FILTER (WHERE outcome = 'send') AS decided_to_send,
                          count(*) FILTER (WHERE outcome = 'decline') AS declined,
                          count(*) FILTER (WHERE outcome = 'blocked') AS blocked,
                          count(sent_at) AS sent, count(answered_at) AS answered
                   FROM proactive_decisions WHERE user_id = %s AND decided_at > %s AND decided_at <= %s""",
                (user_id, since, now),
            ).fetchone()
            needs = conn.execute(
                "SELECT need_type, round(current_level::numeric, 3)::float AS level FROM needs WHERE user_id = %s",
                (user_id,),
            ).fetchall()
        return {"conversation": dict(talk), "outreach": dict(outreach),
                "needs": {n["need_type"]: n["level"] for n in needs}}

    def record_retry(self, user_id: str, at: datetime) -> None:
        """A delivery to try again: the user is due for the sweep at ``at``."""
        with self.db.scoped(user_id) as conn:
            conn.execute("UPDATE user_profiles SET proactive_next_check_at = %s WHERE user_id = %s", (at, user_id))

    def reset_timezone(self, user_id: str) -> None:
        """Back to learning the zone from activity (``/settings timezone:auto``)."""
        with self.db.scoped(user_id) as conn:
            conn.execute("UPDATE user_profiles SET timezone_source = 'default' WHERE user_id = %s", (user_id,))
