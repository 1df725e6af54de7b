"""Psychological needs (and, as they arrive, quirks): what the companion lacks and its habits."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

import psycopg

from ...domain.needs import Need
from .database import Database


class NeedsRepository:
    def __init__(self, db: Database):
        self.db = db

    def get_needs(self, user_id: str) -> list[Need]:
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                """SELECT need_type, current_level, baseline_level, decay_rate, satisfaction_rate,
                          trigger_threshold, proactive_weight
                   FROM needs WHERE user_id = %s ORDER BY need_type""",
                (user_id,),
            ).fetchall()
        return [Need(**row) for row in rows]

    def satisfy_needs(
        self, tx: psycopg.Connection, user_id: str, need_types: Sequence[str], now: datetime
    ) -> None:
        tx.execute(
            """UPDATE needs SET current_level = GREATEST(0, current_level - satisfaction_rate),
                   last_satisfied = %s, last_updated = %s
               WHERE user_id = %s AND need_type = ANY(%s)""",
            (now, now, user_id, list(need_types)),
        )
