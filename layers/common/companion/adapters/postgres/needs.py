"""Psychological needs (and, as they arrive, quirks): what the companion lacks and its habits."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

import psycopg
from psycopg.types.json import Jsonb

from ...domain.needs import INFLUENCE_ON_MOOD, Need
from .database import Database


# The seed's growth, current = MIN(1, current + hours * decay_rate), for the hours since the row
# was last brought up to date. One expression, used by the hourly statement, by reads (lazily, so
# a read between two runs of the schedule is exact) and before a satisfaction.
_GROWN = """LEAST(1.0, current_level
              + GREATEST(0.0, EXTRACT(EPOCH FROM (%(now)s - last_updated)) / 3600.0) * decay_rate)"""


class NeedsRepository:
    def __init__(self, db: Database):
        self.db = db

    def get_needs(self, user_id: str, now: datetime | None = None) -> list[Need]:
        """The user's needs; with ``now``, grown to that moment (nothing is written)."""
        level = _GROWN if now is not None else "current_level"
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT need_type, {level} AS current_level, baseline_level, decay_rate,
                           satisfaction_rate, trigger_threshold, proactive_weight,
                           COALESCE(influence_on_mood, %(influence)s) AS influence_on_mood
                    FROM needs WHERE user_id = %(user_id)s ORDER BY need_type""",
                {"user_id": user_id, "now": now, "influence": INFLUENCE_ON_MOOD},
            ).fetchall()
        return [Need(**row) for row in rows]

    def satisfy_needs(
        self, tx: psycopg.Connection, user_id: str, need_types: Sequence[str], now: datetime
    ) -> None:
        """Grow every need to ``now``, then lower the satisfied ones by their satisfaction rate."""
        tx.execute(
            f"""UPDATE needs SET
                    current_level = GREATEST(0.0, {_GROWN}
                        - CASE WHEN need_type = ANY(%(met)s) THEN satisfaction_rate ELSE 0 END),
                    last_satisfied = CASE WHEN need_type = ANY(%(met)s) THEN %(now)s ELSE last_satisfied END,
                    last_updated = %(now)s
                WHERE user_id = %(user_id)s""",
            {"now": now, "user_id": user_id, "met": list(need_types)},
        )

    def grow_all_needs(self, now: datetime) -> int:
        """The hourly need growth for every user: ONE statement. Rows already at 1.0 are left
        alone (their growth is moot). Returns the rows updated."""
        with self.db.unscoped() as tx:
            return tx.execute(
                f"""UPDATE needs SET current_level = {_GROWN}, last_updated = %(now)s
                    WHERE current_level < 1.0 AND last_updated < %(now)s""",
                {"now": now},
            ).rowcount

    def set_satisfaction_patterns(self, user_id: str, patterns: dict[str, dict],
                                  thresholds: dict[str, float] | None = None) -> None:
        """The week's satisfaction patterns, and the trigger thresholds they adapted (the nightly
        reflection); a need without a new threshold keeps its own."""
        thresholds = thresholds or {}
        with self.db.scoped(user_id) as tx:
            tx.cursor().executemany(
                """UPDATE needs SET satisfaction_pattern = %s,
                       trigger_threshold = COALESCE(%s, trigger_threshold)
                   WHERE user_id = %s AND need_type = %s""",
                [(Jsonb(p), thresholds.get(need_type), user_id, need_type) for need_type, p in patterns.items()],
            )
