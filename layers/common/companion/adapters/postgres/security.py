"""Security incidents (migration 005) and the account status the screen's escalation sets."""
from __future__ import annotations

from datetime import datetime
from typing import Any

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

    def set_account_status(self, tx: psycopg.Connection, user_id: str, status: str) -> None:
        """user_profiles.status: 'active' | 'restricted' | 'suspended' -- what set-wise jobs (the
        proactive sweep) read to leave a suspended user alone."""
        tx.execute("UPDATE user_profiles SET status = %s WHERE user_id = %s", (status, user_id))

    def account_status(self, user_id: str) -> str | None:
        with self.db.scoped(user_id) as conn:
            row = conn.execute("SELECT status FROM user_profiles WHERE user_id = %s", (user_id,)).fetchone()
        return row["status"] if row else None
