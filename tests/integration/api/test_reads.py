"""Memory, personality, admin and health routes: the same services as the slash commands, paged
lists, operator totals and housekeeping."""
from datetime import timedelta

from .conftest import ALICE, BOB, bearer


def chat(client, key, message, user=ALICE):
    response = client.post("/chat/message", json={"user_id": user, "message": message}, headers=bearer(key))
    assert response.status_code == 200, response.text
    return response.json()


def test_memory_search_is_the_memories_command(client, keys, runtime):
    chat(client, keys.alice, "I got a new puppy today!")
    chat(client, keys.alice, "His name is Sparky.")
    chat(client, keys.bob, "My puppy is called Rex.", user=BOB)
    found = client.post("/memory/search", json={"user_id": ALICE, "query": "puppy", "k": 5},
                        headers=bearer(keys.alice)).json()
    contents = [m["content"] for m in found["items"]]
    assert "I got a new puppy today!" in contents and all("Rex" not in c for c in contents)
    assert all(0 < m["similarity"] <= 1 for m in found["items"])
    unknown = client.post("/memory/search", json={"user_id": "999", "query": "x"}, headers=bearer(keys.admin))
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "user_not_found"


def test_episodic_memories_page_through_everything_once(client, keys):
    said = [f"Memory number {i} about my garden" for i in range(7)]
    for message in said:
        chat(client, keys.alice, message)
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/memory/episodic/{ALICE}{query}", headers=bearer(keys.alice)).json()
        seen += [m["content"] for m in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(said)) and pages == 3  # newest first, each once

    for bad in ["nonsense", "W10", "WyIyMDI2LTAxLTAxIiwieCJd"]:  # not base64 JSON / [] / naive time
        response = client.get(f"/memory/episodic/{ALICE}?cursor={bad}", headers=bearer(keys.alice))
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_cursor"


def test_personality_current_matches_what_the_command_shows(client, keys, runtime):
    assert client.get(f"/personality/current/{ALICE}", headers=bearer(keys.alice)).status_code == 404
    chat(client, keys.alice, "I got a new puppy today!")
    body = client.get(f"/personality/current/{ALICE}", headers=bearer(keys.alice)).json()
    c = runtime.container
    snapshot = c.personality.current(ALICE, c.clock())  # relaxed toward the baseline since the turn
    assert body["traits"] == snapshot.traits.as_dict()
    assert body["mood"]["label"] == snapshot.pad.label
    assert abs(body["mood"]["pleasure"] - snapshot.pad.pleasure) < 1e-3
    assert body["temperament"]["pleasure"] == snapshot.baseline.pleasure
    assert {n["need_type"] for n in body["needs"]} == {"social", "intellectual", "creative", "rest", "validation"}
    text = runtime.send("personality", {}, user_id=ALICE).replies[0]
    assert f"I'm feeling {body['mood']['label']}" in text


def test_admin_users_and_stats(client, keys, runtime):
    for i in range(5):
        chat(client, keys.admin, f"hello from user {i}", user=f"user-{i}")
    listed, cursor = [], None
    while True:
        page = client.get("/admin/users?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                          headers=bearer(keys.admin)).json()
        listed += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(u["user_id"] for u in listed) == [f"user-{i}" for i in range(5)]
    assert all(u["total_interactions"] == 1 and u["memory_count"] == 1 for u in listed)

    stats = client.get("/admin/stats", headers=bearer(keys.admin)).json()
    assert stats["users_total"] == 5 and stats["interactions_total"] == 5 and stats["memories_total"] == 5
    assert stats["api_keys_active"] == 3 and stats["users_active_24h"] == 5


def test_cleanup_purges_old_idempotency_records_and_finishes_unindexed_memories(client, keys, runtime):
    c = runtime.container
    client.post("/chat/message", json={"user_id": ALICE, "message": "keyed"},
                headers=bearer(keys.alice) | {"Idempotency-Key": "old"})
    # A vector-index outage left Bob's memory in PostgreSQL only.
    real_upsert = c.vector_store.upsert
    c.vector_store.upsert = lambda *a, **k: (_ for _ in ()).throw(ConnectionError("qdrant down"))
    chat(client, keys.bob, "I planted tulips.", user=BOB)
    c.vector_store.upsert = real_upsert
    assert client.get("/admin/stats", headers=bearer(keys.admin)).json()["memories_unindexed"] == 1

    kept = client.post("/admin/cleanup", json={}, headers=bearer(keys.admin)).json()
    assert kept == {"idempotency_records_deleted": 0, "users_reindexed": 1, "memories_indexed": 1}
    assert client.get("/admin/stats", headers=bearer(keys.admin)).json()["memories_unindexed"] == 0

    later = c.clock() + timedelta(hours=25)
    c.admin.clock = lambda: later
    purged = client.post("/admin/cleanup", headers=bearer(keys.admin)).json()
    assert purged["idempotency_records_deleted"] == 1


def test_detailed_health_reports_each_dependency_within_its_timeout(client, keys, runtime):
    import threading

    from companion.services.operations import Probe

    ok = client.get("/health/detailed", headers=bearer(keys.admin))
    assert ok.status_code == 200 and ok.json()["status"] == "ok"
    checks = {c["name"]: c for c in ok.json()["checks"]}
    assert checks["postgres"]["status"] == "ok" and checks["postgres"]["required"] is True
    assert checks["qdrant"]["status"] == "ok" and checks["queue"]["status"] == "ok"
    assert checks["reply_model"]["status"] == "skipped" and "offline" in checks["reply_model"]["detail"]

    health = runtime.container.health
    hung = threading.Event()
    health.timeout_s = 0.2
    health.probes["qdrant"] = Probe(lambda: hung.wait(5))
    try:
        degraded = client.get("/health/detailed", headers=bearer(keys.admin)).json()
    finally:
        hung.set()
    qdrant = next(c for c in degraded["checks"] if c["name"] == "qdrant")
    assert degraded["status"] == "degraded" and qdrant["status"] == "down" and "0.2 s" in qdrant["detail"]

    health.probes["postgres"] = Probe(lambda: (_ for _ in ()).throw(OSError("connection refused")), required=True)
    down = client.get("/health/detailed", headers=bearer(keys.admin))
    assert down.status_code == 503 and down.json()["status"] == "down"


def test_metrics_count_recent_turns(client, keys):
    chat(client, keys.alice, "one")
    chat(client, keys.alice, "two")
    metrics = client.get("/health/metrics?window_minutes=5", headers=bearer(keys.admin)).json()
    assert metrics["interactions"] == 2 and metrics["active_users"] == 1 and metrics["error_rate"] == 0
    assert metrics["response_ms_p95"] >= metrics["response_ms_p50"] >= 0 and metrics["queue_depth"] == 0
