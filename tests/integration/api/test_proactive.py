"""POST /chat/proactive/{user_id}: an operator asks the companion to reach out now. The same
decision as the sweep's (consent, limits, the seed's score), stored in the same table; an admin's
force overrides the timing, the limits and the threshold, never an opt-out or a suspension."""
from datetime import datetime, timedelta, timezone

import pytest

from companion.local.runtime import LocalRuntime

from .conftest import ALICE, BOB, bearer

START = datetime(2026, 11, 2, 17, 0, tzinfo=timezone.utc)  # a Monday, 17:00 in UTC (the default zone)


@pytest.fixture
def runtime(tmp_path, database_url, embedder):
    """The embedded companion on a frozen clock (it moves with advance_to only)."""
    rt = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                      frozen_at=START)
    rt.send("companion", {"message": "I'm training for a half marathon in spring!"}, user_id=ALICE)
    yield rt
    rt.close()


def reach_out(client, key, user=ALICE, **body):
    return client.post(f"/chat/proactive/{user}", json=body, headers=bearer(key))


def stored(runtime, user=ALICE):
    return runtime.container.outreach_repo.list_decisions(user)


def test_without_force_the_limits_apply_and_the_decision_is_stored(client, keys, runtime):
    # Alice wrote a minute ago: the companion does not knock while she is here.
    response = reach_out(client, keys.alice)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["reason"], body["forced"], body["score"], body["message"]) == \
        ("blocked", "recently_active", False, None, None)
    [decision] = stored(runtime)
    assert (decision.id, decision.outcome, decision.reason, decision.origin, decision.forced) == \
        (body["decision_id"], "blocked", "recently_active", "operator", False)
    assert runtime.sink.messages == []


def test_a_sent_message_is_delivered_scored_stored_and_becomes_history(client, keys, runtime):
    runtime.clock.advance_to(START + timedelta(hours=20))  # 13:00 the next day, away long enough
    runtime.container.proactive.threshold = 0.0  # the score is the sweep's tests' subject; delivery here
    body = reach_out(client, keys.alice).json()
    assert body["status"] == "sent" and body["delivery"] == "dm" and body["overridden"] is None
    score = body["score"]
    assert 0.0 <= score["total_score"] <= 1.0 and score["threshold"] == 0.0
    assert score["trigger_reason"] in ("need_urgency", "timing_optimal", "interaction_pattern")
    [dm] = runtime.sink.messages
    assert dm.is_dm and dm.recipient == ALICE and dm.content == body["message"]
    assert "half marathon" in dm.content  # follows up a real memory
    [decision] = stored(runtime)
    assert (decision.outcome, decision.status, decision.origin, decision.total_score) == \
        ("send", "sent", "operator", pytest.approx(score["total_score"]))
    session = client.get(f"/chat/session/{ALICE}", headers=bearer(keys.alice)).json()
    assert session["recent"][-1] == {"timestamp": session["recent"][-1]["timestamp"], "user_message": "",
                                     "agent_response": dm.content}

    # A second request right away meets the 4-hour spacing, like the sweep would.
    again = reach_out(client, keys.alice).json()
    assert (again["status"], again["reason"]) == ("blocked", "min_spacing")
    assert len(runtime.sink.messages) == 1


def test_below_the_threshold_it_declines_with_the_score(client, keys, runtime):
    runtime.clock.advance_to(START + timedelta(hours=20))
    runtime.container.proactive.threshold = 1.01  # nothing reaches it
    body = reach_out(client, keys.alice).json()
    assert (body["status"], body["reason"]) == ("declined", "below_threshold")
    assert body["score"]["total_score"] < body["score"]["threshold"] and body["message"] is None
    assert stored(runtime)[0].outcome == "decline" and runtime.sink.messages == []


def test_an_admin_may_force_past_limits_and_threshold_and_it_is_recorded(client, keys, runtime):
    runtime.clock.advance_to(START + timedelta(hours=7))  # 00:00 UTC: Alice's quiet hours
    runtime.container.proactive.threshold = 1.01
    body = reach_out(client, keys.admin, force=True).json()
    assert (body["status"], body["forced"], body["overridden"]) == ("sent", True, "quiet_hours")
    [decision] = stored(runtime)
    assert (decision.outcome, decision.reason, decision.origin, decision.forced) == \
        ("send", "quiet_hours", "operator", True)
    # Forced again an hour later: past the spacing (and the threshold), still one DM each.
    runtime.clock.advance_to(START + timedelta(hours=8))
    second = reach_out(client, keys.admin, force=True).json()
    assert (second["status"], second["overridden"]) == ("sent", "quiet_hours")
    runtime.clock.advance_to(START + timedelta(hours=15))  # 08:00, after the quiet hours
    third = reach_out(client, keys.admin, force=True).json()
    assert (third["status"], third["overridden"]) == ("sent", "unanswered_cooldown")
    assert len(runtime.sink.messages) == 3
    # Forced messages count for every later decision: three unanswered ones pause outreach until
    # Alice writes again.
    assert reach_out(client, keys.admin).json()["reason"] == "unanswered_streak"


def test_a_client_key_may_not_force(client, keys, runtime):
    runtime.clock.advance_to(START + timedelta(hours=20))
    response = reach_out(client, keys.alice, force=True)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert stored(runtime) == [] and runtime.sink.messages == []


def test_force_never_overrides_an_opt_out_or_a_suspension(client, keys, runtime, db_admin):
    runtime.clock.advance_to(START + timedelta(hours=20))
    runtime.send("settings", {"proactive": "off"}, user_id=ALICE)
    runtime.clock.advance_to(START + timedelta(hours=26))
    body = reach_out(client, keys.admin, force=True).json()
    assert (body["status"], body["reason"], body["forced"]) == ("blocked", "opted_out", True)

    runtime.send("companion", {"message": "hi, it's Bob"}, user_id=BOB)
    db_admin.execute("UPDATE user_profiles SET status = 'suspended' WHERE user_id = %s", (BOB,))
    runtime.clock.advance_to(START + timedelta(hours=40))
    body = reach_out(client, keys.admin, user=BOB, force=True).json()
    assert (body["status"], body["reason"]) == ("blocked", "suspended")
    assert runtime.sink.messages == []
    assert [d.forced for d in stored(runtime)] == [True] and [d.reason for d in stored(runtime, BOB)] == ["suspended"]


def test_an_unknown_user_is_404(client, keys):
    response = reach_out(client, keys.admin, user="999999999999999999", force=True)
    assert response.status_code == 404 and response.json()["error"]["code"] == "user_not_found"


def test_an_idempotency_key_makes_a_retried_request_send_once(client, keys, runtime):
    runtime.clock.advance_to(START + timedelta(hours=20))
    headers = bearer(keys.admin) | {"Idempotency-Key": "reach-out-1"}
    first = client.post(f"/chat/proactive/{ALICE}", json={"force": True}, headers=headers)
    again = client.post(f"/chat/proactive/{ALICE}", json={"force": True}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == "sent" and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert len(runtime.sink.messages) == 1 and len(stored(runtime)) == 1
    # The same key for another request is refused, and nothing happens.
    other = client.post(f"/chat/proactive/{ALICE}", json={}, headers=headers)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert len(stored(runtime)) == 1
