"""Quirks (the companion's habits) and the log of nightly personality evolutions."""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Sequence

from psycopg.types.json import Jsonb

from ...domain.quirks import Quirk
from .database import Database, lock_user

_COLUMNS = """name, category, description, strength, confidence, first_observed, last_reinforced,
              observation_count, reinforcement_count, is_active, examples"""


def _quirk(row: dict) -> Quirk:
    return Quirk(**{**row, "examples": tuple(row["examples"] or ())})


class QuirkRepository:
    def __init__(self, db: Database):
        self.db = db

    def get_quirks(self, user_id: str, *, active_only: bool = False) -> list[Quirk]:
        """The user's quirks, strongest first."""
        with self.db.scoped(user_id) as conn:
            rows = conn.execute(
                f"""SELECT {_COLUMNS} FROM quirks WHERE user_id = %s AND (is_active OR NOT %s)
                    ORDER BY is_active DESC, strength DESC, name""",
                (user_id, active_only),
            ).fetchall()
        return [_quirk(r) for r in rows]

    def update_quirks(self, user_id: str, change: Callable[[dict[str, Quirk]], Sequence[Quirk]]) -> list[Quirk]:
        """``change(existing by name) -> quirks to save``, applied to the quirks as they are under
        the user's lock, in one transaction: a turn's sighting and the nightly evolution (a job)
        never overwrite each other. Nothing is written for a user who no longer exists."""
        with self.db.scoped(user_id) as tx:
            if not lock_user(tx, user_id):
                return []
            rows = tx.execute(f"SELECT {_COLUMNS} FROM quirks WHERE user_id = %s", (user_id,)).fetchall()
            changed = list(change({r["name"]: _quirk(r) for r in rows}))
            self._save(tx, user_id, changed)
        return changed

    @staticmethod
    def _save(tx, user_id: str, quirks: Sequence[Quirk]) -> None:
        """Insert or update quirks by name (one quirk per name per user)."""
        if quirks:
            tx.cursor().executemany(
                f"""INSERT INTO quirks (user_id, {_COLUMNS})
                    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                    ON CONFLICT (user_id, name) DO UPDATE SET
                        category = EXCLUDED.category, description = EXCLUDED.description,
                        strength = EXCLUDED.strength, confidence = EXCLUDED.confidence,
                        first_observed = EXCLUDED.first_observed, last_reinforced = EXCLUDED.last_reinforced,
                        observation_count = EXCLUDED.observation_count,
                        reinforcement_count = EXCLUDED.reinforcement_count,
                        is_active = EXCLUDED.is_active, examples = EXCLUDED.examples""",
                [
                    (user_id, q.name[:100], q.category, q.description, q.strength, q.confidence,
                     q.first_observed, q.last_reinforced, q.observation_count, q.reinforcement_count,
                     q.is_active, Jsonb(list(q.examples)))
                    for q in quirks
                ],
            )

    def record_evolution(self, user_id: str, evolved_at: datetime, **fields) -> None:
        fields = {k: Jsonb(v) if isinstance(v, (dict, list)) else v for k, v in fields.items()}
        columns = ", ".join(fields)
        with self.db.scoped(user_id) as tx:
            if not lock_user(tx, user_id):  # erased meanwhile (/forget-me): nothing comes back
                return
            tx.execute(
                f"""INSERT INTO personality_evolutions (user_id, evolved_at, {columns})
                    VALUES (%s, %s, {", ".join(["%s"] * len(fields))})""",
                (user_id, evolved_at, *fields.values()),
            )

    def evolutions(self, user_id: str, limit: int = 10) -> list[dict]:
        with self.db.scoped(user_id) as conn:
            return conn.execute(
                """SELECT * FROM personality_evolutions WHERE user_id = %s
                   ORDER BY evolved_at DESC, id DESC LIMIT %s""",
                (user_id, limit),
            ).fetchall()
