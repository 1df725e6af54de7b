"""Security incidents (migration 005) and the account status the screen's escalation sets."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

import psycopg
from psycopg.types.json import Jsonb

from .database import Database

_INCIDENT_COLUMNS = """id, user_id, incident_type, severity, confidence, detected_content,
    detection_method, threat_indicators, response_content, escalation_level, detected_at,
    interaction_id, admin_reviewed, admin_notes, false_positive, resolved_at"""


class IncidentRepository:
    def __init__(self, db: Database):
        self.db = db

    def record_incident(self, tx: psycopg.Connection, **fields: Any) -> int:
        fields = {k: Jsonb(v) if isinstance(v, (dict, list)) else v for k, v in fields.items()}
        row = tx.execute(
            f"INSERT INTO security_incidents ({', '.join(fields)}) VALUES ({', '.join(['%s'] * len(fields))}) "
            "RETURNING id",
            tuple(fields.values()),
        ).fetchone()
        return row["id"]

    def count_offences(self, user_id: str, since: datetime) -> int:
        """Incidents since ``since`` that no operator has marked a false positive."""
        with self.db.scoped(user_id) as conn:
            row = conn.execute(
                """SELECT count(*) AS n FROM security_incidents
                   WHERE user_id = %s AND detected_at >= %s AND false_positive IS NOT TRUE""",
                (user_id, since),
            ).fetchone()
        return row["n"]

    def list_incidents(self, user_id: str, limit: int = 20) -> list[dict]:
        """One user's incidents, newest first (operators' review across users is
        FleetRepository.list_incidents, behind AdminService)."""
        with self.db.scoped(user_id) as conn:
            return conn.execute(
                f"""SELECT {_INCIDENT_COLUMNS} FROM security_incidents WHERE user_id = %s
                    ORDER BY detected_at DESC, id DESC LIMIT %s""",
                (user_id, limit),
            ).fetchall()

    def incident_owner(self, incident_id: int) -> str | None:
        """Whose incident this is: an operator knows an incident by its id alone."""
        with self.db.unscoped() as conn:
            row = conn.execute("SELECT user_id FROM security_incidents WHERE id = %s", (incident_id,)).fetchone()
        return row["user_id"] if row else None

    def get_incident(self, user_id: str, incident_id: int) -> dict | None:
        with self.db.scoped(user_id) as conn:
            return conn.execute(
                f"SELECT {_INCIDENT_COLUMNS} FROM security_incidents WHERE user_id = %s AND id = %s",
                (user_id, incident_id),
            ).fetchone()

    def mark_reviewed(self, user_id: str, incident_id: int, notes: str, now: datetime) -> dict | None:
        """An operator confirmed the incident: reviewed, not a false positive."""
        with self.db.scoped(user_id) as conn:
            return conn.execute(
                f"""UPDATE security_incidents
                    SET admin_reviewed = TRUE, false_positive = FALSE, resolved_at = %s,
                        admin_notes = coalesce(NULLIF(%s, ''), admin_notes)
                    WHERE user_id = %s AND id = %s
                    RETURNING {_INCIDENT_COLUMNS}""",
                (now, notes, user_id, incident_id),
            ).fetchone()

    def mark_false_positive(self, user_id: str, incident_id: int, notes: str, now: datetime) -> dict | None:
        with self.db.scoped(user_id) as conn:
            return conn.execute(
                f"""UPDATE security_incidents
                    SET false_positive = TRUE, admin_reviewed = TRUE, resolved_at = %s,
                        admin_notes = NULLIF(%s, '')
                    WHERE user_id = %s AND id = %s
                    RETURNING {_INCIDENT_COLUMNS}""",
                (now, notes, user_id, incident_id),
            ).fetchone()

    def set_account_status(self, tx: psycopg.Connection, user_id: str, status: str, now: datetime) -> bool:
        """user_profiles.status: 'active' | 'restricted' | 'suspended' -- what set-wise jobs (the
        proactive sweep) read to leave a sanctioned user alone. Lifting it to 'active' makes the
        user due for outreach again at once (a proactive job blocked by the sanction parked their
        next check until further notice). True when the status changed."""
        return tx.execute(
            """UPDATE user_profiles SET status = %(status)s,
                      proactive_next_check_at = CASE WHEN %(status)s = 'active'
                          THEN LEAST(proactive_next_check_at, %(now)s) ELSE proactive_next_check_at END
               WHERE user_id = %(user)s AND status IS DISTINCT FROM %(status)s""",
            {"status": status, "now": now, "user": user_id},
        ).rowcount == 1

    def settle_account_status(self, user_id: str, status: str, now: datetime) -> bool:
        """``set_account_status`` in a transaction of its own (a turn that found the level moved)."""
        with self.db.scoped(user_id) as tx:
            return self.set_account_status(tx, user_id, status, now)

    def lift_lapsed(self, since: datetime, now: datetime, status_for: Callable[[int], str]) -> dict[str, int]:
        """Every sanctioned user's status set again from their offences since ``since``
        (``status_for(offences)``), in one transaction across users: the sanctioned rows are
        locked first (a user whose turn is recording an incident right now is skipped, that
        turn sets the status), then counted in a statement that sees every committed incident.
        Returns how many moved to each status."""
        with self.db.unscoped() as tx:
            sanctioned = tx.execute(
                """SELECT user_id, status FROM user_profiles WHERE status IN ('restricted', 'suspended')
                   FOR UPDATE SKIP LOCKED""",
            ).fetchall()
            if not sanctioned:
                return {}
            users = [r["user_id"] for r in sanctioned]
            counts = {r["user_id"]: r["n"] for r in tx.execute(
                """SELECT user_id, count(*) AS n FROM security_incidents
                   WHERE user_id = ANY(%s) AND detected_at >= %s AND false_positive IS NOT TRUE
                   GROUP BY user_id""",
                (users, since),
            ).fetchall()}
            moves = [(r["user_id"], status_for(counts.get(r["user_id"], 0))) for r in sanctioned]
            moves = [(user, new) for (user, new), r in zip(moves, sanctioned) if new != r["status"]]
            if moves:
                tx.execute(
                    """UPDATE user_profiles p SET status = m.status,
                              proactive_next_check_at = CASE WHEN m.status = 'active'
                                  THEN LEAST(p.proactive_next_check_at, %s) ELSE p.proactive_next_check_at END
                       FROM unnest(%s::text[], %s::text[]) AS m(user_id, status)
                       WHERE p.user_id = m.user_id""",
                    (now, [u for u, _ in moves], [st for _, st in moves]),
                )
        out: dict[str, int] = {}
        for _, new in moves:
            out[new] = out.get(new, 0) + 1
        return out

    def account_status(self, user_id: str) -> str | None:
        with self.db.scoped(user_id) as conn:
            row = conn.execute("SELECT status FROM user_profiles WHERE user_id = %s", (user_id,)).fetchone()
        return row["status"] if row else None
