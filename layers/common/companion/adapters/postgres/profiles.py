"""Profiles and personality: who the user is, and the companion's traits and PAD state."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

import psycopg
from psycopg.types.json import Jsonb

from ...domain.models import PersonalitySnapshot
from ...domain.needs import Need
from ...domain.pad import DRIFT_MIN_INTERACTIONS, DRIFT_RATE, DRIFT_WINDOW_DAYS, PAD
from ...domain.personality import TRAITS, BigFive
from ...domain.trends import MoodPoint
from .database import Database, lock_user

# The seed's nightly baseline drift as ONE set-based statement: each user's mean pad_after over
# the window, only with enough interactions, moves the current baseline 1 % of the way, clamped.
# %(user_id)s NULL means every user (the scheduled sweep); a user id limits it to that user (the
# per-user evolution job). A baseline drifted in the last 20 hours is left alone, so a retried
# schedule never drifts twice in one night.
_DRIFT_SQL = """
WITH windowed AS (
    SELECT user_id,
           avg((pad_after->>'pleasure')::float8) AS p,
           avg((pad_after->>'arousal')::float8) AS a,
           avg((pad_after->>'dominance')::float8) AS d,
           count(*) AS n
    FROM interactions
    WHERE timestamp > %(now)s - make_interval(days => %(days)s) AND timestamp <= %(now)s
      AND pad_after IS NOT NULL
      AND (%(user_id)s::text IS NULL OR user_id = %(user_id)s::text)
    GROUP BY user_id
    HAVING count(*) >= %(min_n)s
)
UPDATE personality_state ps
SET pad_baseline = jsonb_build_object(
        'pleasure', greatest(-1.0, least(1.0, (ps.pad_baseline->>'pleasure')::float8
                    + (w.p - (ps.pad_baseline->>'pleasure')::float8) * %(rate)s)),
        'arousal', greatest(-1.0, least(1.0, (ps.pad_baseline->>'arousal')::float8
                    + (w.a - (ps.pad_baseline->>'arousal')::float8) * %(rate)s)),
        'dominance', greatest(-1.0, least(1.0, (ps.pad_baseline->>'dominance')::float8
                    + (w.d - (ps.pad_baseline->>'dominance')::float8) * %(rate)s))),
    baseline_drifted_at = %(now)s
FROM windowed w
WHERE ps.user_id = w.user_id AND ps.is_current
  AND (ps.baseline_drifted_at IS NULL OR ps.baseline_drifted_at <= %(now)s - interval '20 hours')
"""


class ProfileRepository:
    def __init__(self, db: Database):
        self.db = db

    def profile_exists(self, user_id: str) -> bool:
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                "SELECT 1 FROM user_profiles WHERE user_id = %s AND initialization_completed", (user_id,)
            ).fetchone()
        return row is not None

    def get_profile(self, user_id: str) -> dict | None:
        with self.db.scoped(user_id) as conn:
            return conn.execute("SELECT * FROM user_profiles WHERE user_id = %s", (user_id,)).fetchone()

    def timezone(self, user_id: str) -> str | None:
        """The user's IANA time zone (set with /settings, or learnt from activity), None for no user."""
        with self.db.scoped(user_id) as conn:
            row = conn.execute("SELECT timezone FROM user_profiles WHERE user_id = %s", (user_id,)).fetchone()
        return row["timezone"] if row else None

    def create_user(
        self, user_id: str, username: str, traits: BigFive, baseline: PAD, needs: Sequence[Need],
        now: datetime | None = None,
    ) -> bool:
        """The seed's create_user sequence in one transaction: profile, personality (Big Five +
        PAD at its baseline), needs, then the profile marked initialised. Any failure rolls back
        all of it. Returns False when the user already existed (a concurrent first message)."""
        with self.db.scoped(user_id) as tx:
            created = tx.execute(
                """INSERT INTO user_profiles (user_id, discord_username, status, created_at, last_active)
                   VALUES (%s, %s, 'active', COALESCE(%s, NOW()), COALESCE(%s, NOW()))
                   ON CONFLICT (user_id) DO NOTHING RETURNING id""",
                (user_id, username, now, now),
            ).fetchone()
            if created is None:
                return False
            tx.execute(
                f"""INSERT INTO personality_state (user_id, {", ".join(TRAITS)}, pleasure, arousal,
                        dominance, emotion_label, is_current, pad_baseline, trigger_event, timestamp)
                    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, TRUE, %s, 'created',
                            COALESCE(%s, now()))""",
                (
                    user_id,
                    *(getattr(traits, t) for t in TRAITS),
                    baseline.pleasure,
                    baseline.arousal,
                    baseline.dominance,
                    baseline.label,
                    Jsonb(baseline.as_dict()),
                    now,
                ),
            )
            tx.cursor().executemany(
                """INSERT INTO needs (user_id, need_type, current_level, baseline_level, decay_rate,
                        satisfaction_rate, trigger_threshold, proactive_weight, last_updated)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, COALESCE(%s, now()))""",
                [
                    (user_id, n.need_type, n.current_level, n.baseline_level, n.decay_rate,
                     n.satisfaction_rate, n.trigger_threshold, n.proactive_weight, now)
                    for n in needs
                ],
            )
            tx.execute(
                """UPDATE user_profiles SET personality_initialized = TRUE,
                       initialization_completed = TRUE WHERE user_id = %s""",
                (user_id,),
            )
        return True

    def touch_profile(self, tx: psycopg.Connection, user_id: str, username: str, now: datetime) -> None:
        tx.execute(
            """UPDATE user_profiles SET last_active = %s, total_interactions = total_interactions + 1,
                   discord_username = COALESCE(NULLIF(%s, ''), discord_username),
                   -- back from a week away: the next reflection sweep schedules their night again
                   reflection_due_at = CASE WHEN reflection_due_at = 'infinity' THEN '-infinity'
                                            ELSE reflection_due_at END
               WHERE user_id = %s""",
            (now, username, user_id),
        )

    # --- personality -------------------------------------------------------------------------

    def get_personality(self, user_id: str) -> PersonalitySnapshot | None:
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                "SELECT * FROM personality_state WHERE user_id = %s AND is_current", (user_id,)
            ).fetchone()
        return _snapshot(user_id, row) if row is not None else None

    def set_pad(self, tx: psycopg.Connection, user_id: str, pad: PAD, trigger: str, now: datetime) -> None:
        """A new current state row; the previous one stays as history. Writers of one user's mood
        (a turn, the security screen, the nightly relaxation in a job) take the user's lock first,
        so they follow one another instead of one failing on the partial unique index (one current
        row per user)."""
        if not lock_user(tx, user_id):
            raise LookupError(f"no user {user_id}")
        previous = tx.execute(
            """UPDATE personality_state SET is_current = FALSE
               WHERE user_id = %s AND is_current RETURNING id""",
            (user_id,),
        ).fetchone()
        if previous is None:
            raise LookupError(f"no current personality state for user {user_id}")
        pad = pad.clamped()
        tx.execute(
            f"""INSERT INTO personality_state (user_id, {", ".join(TRAITS)}, pleasure, arousal, dominance,
                    emotion_label, is_current, pad_baseline, baseline_drifted_at, session_id,
                    trigger_event, timestamp)
                SELECT user_id, {", ".join(TRAITS)}, %s, %s, %s, %s, TRUE, pad_baseline,
                       baseline_drifted_at, session_id, %s, %s
                FROM personality_state WHERE id = %s""",
            (pad.pleasure, pad.arousal, pad.dominance, pad.label, trigger[:100], now, previous["id"]),
        )

    def pad_history(self, user_id: str, since: datetime) -> list[MoodPoint]:
        """The mood as it was set since ``since`` (oldest first), current state included."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                """SELECT timestamp, pleasure, arousal, dominance FROM personality_state
                   WHERE user_id = %s AND timestamp >= %s ORDER BY timestamp, id""",
                (user_id, since),
            ).fetchall()
        return [MoodPoint(r["timestamp"], PAD(r["pleasure"], r["arousal"], r["dominance"])) for r in rows]

    def drift_baseline(self, user_id: str, now: datetime) -> bool:
        """The nightly drift for one user (their reflection job); True when the baseline moved.
        Under the user's lock: a turn's new mood row, written meanwhile, would otherwise copy the
        baseline from before the drift."""
        with self.db.scoped(user_id) as tx:
            return lock_user(tx, user_id) and self._drift(tx, now, user_id) > 0

    def record_relaxation(self, user_id: str, now: datetime, need_pull: PAD | None = None) -> PAD | None:
        """Writes the mood as it has relaxed by ``now`` (toward the baseline moved by the needs'
        ``need_pull``) as a history row (the nightly evolution), computed from the current row
        under the user's lock: never from a mood a turn has replaced meanwhile. Returns the
        relaxed mood (None: no such user)."""
        with self.db.scoped(user_id) as tx:
            if not lock_user(tx, user_id):
                return None
            row = tx.execute("SELECT * FROM personality_state WHERE user_id = %s AND is_current", (user_id,)).fetchone()
            if row is None:
                return None
            stored = _snapshot(user_id, row)
            relaxed = stored.relaxed_to(now, need_pull)
            if relaxed.pad != stored.pad:
                self.set_pad(tx, user_id, relaxed.pad, "relaxation", now)
            return relaxed.pad

    def drift_all_baselines(self, now: datetime) -> int:
        """The nightly drift for every user, in one statement; returns how many baselines moved."""
        with self.db.unscoped() as tx:
            return self._drift(tx, now, None)

    @staticmethod
    def _drift(tx: psycopg.Connection, now: datetime, user_id: str | None) -> int:
        return tx.execute(_DRIFT_SQL, {
            "now": now, "days": DRIFT_WINDOW_DAYS, "user_id": user_id, "min_n": DRIFT_MIN_INTERACTIONS,
            "rate": DRIFT_RATE,
        }).rowcount

    def interactions_in_drift_window(self, user_id: str, now: datetime) -> int:
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                """SELECT count(*) AS n FROM interactions WHERE user_id = %s AND pad_after IS NOT NULL
                   AND timestamp > %s - make_interval(days => %s) AND timestamp <= %s""",
                (user_id, now, DRIFT_WINDOW_DAYS, now),
            ).fetchone()
        return int(row["n"])


def _snapshot(user_id: str, row: dict) -> PersonalitySnapshot:
    return PersonalitySnapshot(
        user_id=user_id,
        traits=BigFive(*(row[t] for t in TRAITS)),
        pad=PAD(row["pleasure"], row["arousal"], row["dominance"]),
        baseline=PAD.from_dict(row["pad_baseline"]),
        updated_at=row["timestamp"],
    )
