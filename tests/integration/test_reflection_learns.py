"""Reflection that learns, through the real path: two weeks of evening conversations through the
signed interactions handler, the schedules' real handlers (the 15-minute reflection sweep, the job
worker running each night's reflection job in the user's night), then what the companion noticed
in /personality, the REST history route and, for the fleet, GET /admin/insights."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from companion.local.runtime import LocalRuntime

START = datetime(2026, 6, 1, 16, 0, tzinfo=timezone.utc)  # a Monday, 18:00 in Berlin
USER = "300000000000000042"
EVENINGS = ["Back from work, the cello rehearsal went well tonight.", "Practised the cello for an hour.",
            "Long day, but the cello makes it better."]


@pytest.fixture
def rt(tmp_path, database_url, embedder):
    runtime = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                           frozen_at=START)
    yield runtime
    runtime.close()


@pytest.fixture
def api(rt):
    from companion.api.app import create_app
    from companion.local.api_server import with_queued_work

    with TestClient(with_queued_work(create_app(), rt), raise_server_exceptions=False) as client:
        yield client


def two_weeks_of_evenings(rt):
    rt.send("settings", {"timezone": "Europe/Berlin", "proactive": "off"}, user_id=USER)
    for day in range(14):
        for message in EVENINGS:
            rt.wait(timedelta(minutes=10))
            assert rt.send("companion", {"message": message}, user_id=USER).replies
        rt.wait(timedelta(hours=24) - timedelta(minutes=30))


def test_the_nightly_reflection_notices_how_we_talk_and_says_so(rt, api):
    card = rt.send("personality", {}, user_id=USER).replies[0]
    assert "What I've noticed:" in card and "Nothing yet" in card

    two_weeks_of_evenings(rt)

    card = rt.send("personality", {}, user_id=USER).replies[0]
    noticed = card.split("What I've noticed:")[1]
    assert "You usually talk to me in the evening." in noticed
    assert "You often bring up cello" in noticed
    assert "Nothing yet" not in noticed

    nights = rt.container.insights.nights(USER, START)
    assert len(nights) >= 12  # one per night in the user's own night (01:00-03:59 in Berlin)
    for night in nights:
        local = night["reflected_at"].astimezone(timezone(timedelta(hours=2)))
        assert 1 <= local.hour < 5
    latest = nights[0]
    assert latest["analyst"] == "rules"  # no fast model here: the rule-based analysis
    assert {p["pattern_type"] for p in latest["conversation_patterns"]} >= {"temporal_patterns", "topic_cycling"}
    assert latest["behaviour"]["status"] == "analysed"
    assert set(latest["emotional_cycles"]) == {"daily", "weekly"}

    admin = rt.container.api_keys.create("admin", label="ops")[1]
    client = rt.container.api_keys.create("client", [USER], label="web")[1]
    history = api.get(f"/personality/history/{USER}?days=3", headers={"Authorization": f"Bearer {client}"})
    assert history.status_code == 200, history.text
    body = history.json()
    assert body["insights"] and body["insights"][0]["insights"][0]["text"] in noticed
    assert set(body["cycles"]) == {"daily", "weekly"}
    assert body["evolutions"] and "cycles" not in body["trend"]

    fleet = api.get("/admin/insights?days=30", headers={"Authorization": f"Bearer {admin}"})
    assert fleet.status_code == 200, fleet.text
    days = fleet.json()["days"]
    assert len(days) >= 12
    assert days[0]["insights"]["users_reflected"] == 1
    assert days[0]["insights"]["favourite_part_of_day"] == {"evening": 1}
    assert days[0]["insights"]["reflections"].get("succeeded") == 1
    assert api.get("/admin/insights", headers={"Authorization": f"Bearer {client}"}).status_code == 403
