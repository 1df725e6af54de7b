"""Profiles and personality: who the user is, and the companion's traits and PAD state."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

import psycopg
from psycopg.types.json import Jsonb

from ...domain.models import PersonalitySnapshot
from ...domain.needs import Need
from ...domain.pad import PAD
from ...domain.personality import TRAITS, BigFive
from .database import Database


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

    def create_user(
        self, user_id: str, username: str, traits: BigFive, baseline: PAD, needs: Sequence[Need]
    ) -> bool:
        """The seed's create_user sequence in one transaction: profile, personality (Big Five +
        PAD at its baseline), needs, then the profile marked initialised. Any failure rolls back
        all of it. Returns False when the user already existed (a concurrent first message)."""
        with self.db.scoped(user_id) as tx:
            created = tx.execute(
                """INSERT INTO user_profiles (user_id, discord_username, status)
                   VALUES (%s, %s, 'active') ON CONFLICT (user_id) DO NOTHING RETURNING id""",
                (user_id, username),
            ).fetchone()
            if created is None:
                return False
            tx.execute(
                f"""INSERT INTO personality_state (user_id, {", ".join(TRAITS)}, pleasure, arousal,
                        dominance, emotion_label, is_current, pad_baseline, trigger_event)
                    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, TRUE, %s, 'created')""",
                (
                    user_id,
                    *(getattr(traits, t) for t in TRAITS),
                    baseline.pleasure,
                    baseline.arousal,
                    baseline.dominance,
                    baseline.label,
                    Jsonb(baseline.as_dict()),
                ),
            )
            tx.cursor().executemany(
                """INSERT INTO needs (user_id, need_type, current_level, baseline_level, decay_rate,
                        satisfaction_rate, trigger_threshold, proactive_weight)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
                [
                    (user_id, n.need_type, n.current_level, n.baseline_level, n.decay_rate,
                     n.satisfaction_rate, n.trigger_threshold, n.proactive_weight)
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
                   discord_username = COALESCE(NULLIF(%s, ''), discord_username)
               WHERE user_id = %s""",
            (now, username, user_id),
        )

    # --- personality -------------------------------------------------------------------------

    def get_personality(self, user_id: str) -> PersonalitySnapshot | None:
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                "SELECT * FROM personality_state WHERE user_id = %s AND is_current", (user_id,)
            ).fetchone()
        if row is None:
            return None
        return PersonalitySnapshot(
            user_id=user_id,
            traits=BigFive(*(row[t] for t in TRAITS)),
            pad=PAD(row["pleasure"], row["arousal"], row["dominance"]),
            baseline=PAD.from_dict(row["pad_baseline"]),
        )

    def set_pad(self, tx: psycopg.Connection, user_id: str, pad: PAD, trigger: str, now: datetime) -> None:
        updated = tx.execute(
            """UPDATE personality_state SET pleasure = %s, arousal = %s, dominance = %s,
                   emotion_label = %s, trigger_event = %s, timestamp = %s
               WHERE user_id = %s AND is_current""",
            (pad.pleasure, pad.arousal, pad.dominance, pad.label, trigger[:100], now, user_id),
        )
        if updated.rowcount != 1:
            raise LookupError(f"no current personality state for user {user_id}")
