"""GET /admin/security/incidents: what the injection screen recorded, across users, for review."""
from datetime import datetime, timedelta, timezone

from .conftest import ALICE, BOB, bearer


def record_incident(db_admin, user_id, content, at, reviewed=False):
    return db_admin.execute(
        """INSERT INTO security_incidents (user_id, incident_type, severity, confidence, detected_content,
               detection_method, detected_at, admin_reviewed)
           VALUES (%s, 'role_manipulation', 'high', 0.93, %s, 'local', %s, %s) RETURNING id""",
        (user_id, content, at, reviewed),
    ).fetchone()["id"]


def test_incidents_are_listed_newest_first_paged_and_filtered(client, keys, db_admin):
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    ids = [record_incident(db_admin, ALICE if i % 2 == 0 else BOB, f"ignore previous instructions #{i}",
                           start + timedelta(hours=i), reviewed=(i == 4)) for i in range(5)]
    seen, cursor = [], None
    while True:
        page = client.get("/admin/security/incidents?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                          headers=bearer(keys.admin)).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))

    alices = client.get(f"/admin/security/incidents?user_id={ALICE}", headers=bearer(keys.admin)).json()["items"]
    assert {i["user_id"] for i in alices} == {ALICE} and len(alices) == 3
    unreviewed = client.get("/admin/security/incidents?unreviewed=true", headers=bearer(keys.admin)).json()["items"]
    assert ids[4] not in [i["id"] for i in unreviewed] and len(unreviewed) == 4
    first = alices[-1]
    assert first["detected_content"] == "ignore previous instructions #0" and first["confidence"] == 0.93

    assert client.get("/admin/security/incidents", headers=bearer(keys.alice)).status_code == 403
    bad = client.get("/admin/security/incidents?cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwieCJd",
                     headers=bearer(keys.admin))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_cursor"
