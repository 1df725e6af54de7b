"""Delivering a proactive message through the real worker: DM, channel fallback, skip, Discord
rate limits, redelivered jobs, dead-lettering after repeated failures."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from companion.adapters.discord_rest import DiscordRestClient
from companion.adapters.queues import sqs_event
from companion.domain.schedules import UserJob
from companion.local.discord_sink import BASE_URL
from companion.local.functions import load_handler
from companion.local.lambda_context import LocalLambdaContext
from companion.local.runtime import LocalRuntime
from companion.services.proactive import MAX_DELIVERY_ATTEMPTS

from tests.emf import emitted

START = datetime(2026, 11, 2, 17, 0, tzinfo=timezone.utc)
USER = "500000000000000051"
GUILD_CHANNEL = "300000000000000000"  # the local runtime's interactions come from this channel


@pytest.fixture
def rt(tmp_path, database_url, embedder):
    runtime = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                           frozen_at=START)
    runtime.slept = []
    runtime.container.__dict__["discord"] = DiscordRestClient(
        BASE_URL, http_client=runtime.sink.client(), sleep=runtime.slept.append, max_rate_limit_wait=5.0)
    runtime.container.proactive.threshold = 0.0  # delivery is under test here, not the score
    runtime.send("companion", {"message": "I'm training for a half marathon in spring!"}, user_id=USER)
    runtime.clock.advance_to(START + timedelta(hours=20))  # away long enough, 13:00 in UTC
    yield runtime
    runtime.close()


def run_job(rt, slot, message_id="m-1", receives=1):
    job = UserJob("proactive", USER, slot)
    event = sqs_event([{"body": json.dumps(job.to_dict()), "group_id": USER, "dedup_id": job.dedup_id,
                        "receives": receives, "message_id": message_id}])
    return rt._job_worker_handler(event, LocalLambdaContext())


def decisions(rt):
    return rt.container.outreach_repo.list_decisions(USER)


def test_a_dm_is_sent_stored_as_a_proactive_interaction_and_becomes_history(rt):
    slot = rt.clock()
    assert run_job(rt, slot) == {"batchItemFailures": []}
    [dm] = rt.sink.messages
    assert dm.is_dm and dm.recipient == USER and "half marathon" in dm.content  # follows up a real memory
    [decision] = decisions(rt)
    assert (decision.status, decision.delivery, decision.outcome) == ("sent", "dm", "send")
    history = rt.container.interaction_repo.recent_exchanges(USER, 5)
    assert history[-1].agent_response == dm.content and history[-1].user_message == ""
    # The user's answer counts as a reply to it.
    rt.clock.advance_to(rt.clock() + timedelta(hours=1))
    rt.send("companion", {"message": "It's going great, ran 15k today"}, user_id=USER)
    stats = rt.container.outreach_repo.pattern_stats(USER, rt.clock())
    assert stats.proactive_response_rate == 1.0


def test_a_redelivered_job_does_not_send_twice(rt):
    slot = rt.clock()
    run_job(rt, slot, "m-1")
    run_job(rt, slot, "m-1", receives=2)  # SQS at-least-once: the same job again
    assert len(rt.sink.messages) == 1 and len(decisions(rt)) == 1


def test_dms_closed_falls_back_to_the_last_channel_with_a_mention(rt):
    rt.sink.closed_dms.add(USER)
    run_job(rt, rt.clock())
    [message] = rt.sink.messages
    assert message.channel_id == GUILD_CHANNEL and message.content.startswith(f"<@{USER}> ")
    assert decisions(rt)[0].delivery == "channel"


def test_dms_closed_and_no_channel_skips(rt):
    rt.sink.closed_dms.add(USER)
    rt.sink.forbidden_channels.add(GUILD_CHANNEL)
    run_job(rt, rt.clock())
    assert rt.sink.messages == []
    assert decisions(rt)[0].status == "skipped"


def test_a_429_is_retried_after_retry_after(rt):
    rt.sink.rate_limit_next = [0.75]
    run_job(rt, rt.clock())
    assert rt.slept == [0.75] and len(rt.sink.messages) == 1


def test_a_long_rate_limit_leaves_the_send_pending_and_the_next_sweep_delivers_it(rt):
    rt.sink.rate_limit_next = [30.0]  # longer than a worker may wait: come back later
    run_job(rt, rt.clock())
    assert rt.sink.messages == [] and decisions(rt)[0].status == "pending"
    _, sent = rt.wait(timedelta(minutes=10))  # the sweep picks the user up again
    assert len(sent) == 1 and [d.status for d in decisions(rt)] == ["sent"]


def test_delivery_is_dead_lettered_after_repeated_failures(rt):
    rt.sink.rate_limit_next = [30.0] * MAX_DELIVERY_ATTEMPTS
    slot = rt.clock()
    for attempt in range(MAX_DELIVERY_ATTEMPTS):
        run_job(rt, slot, f"m-{attempt}", receives=attempt + 1)
    sent = [d for d in decisions(rt) if d.outcome == "send"]
    assert sent[0].status == "failed" and sent[0].attempts == MAX_DELIVERY_ATTEMPTS
    assert rt.sink.messages == []


def test_a_malformed_job_is_reported_failed_and_others_in_the_batch_succeed(rt):
    good = UserJob("proactive", USER, rt.clock())
    event = sqs_event([
        {"body": json.dumps({"job": "proactive", "user_id": USER, "slot": "yesterday"}), "group_id": "x",
         "dedup_id": "bad", "receives": 1, "message_id": "bad"},
        {"body": json.dumps(good.to_dict()), "group_id": USER, "dedup_id": good.dedup_id, "receives": 1,
         "message_id": "good"},
    ])
    result = rt._job_worker_handler(event, LocalLambdaContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert len(rt.sink.messages) == 1


def test_the_job_worker_counts_each_outcome_for_the_dashboard_and_the_failures_alarm(rt, monkeypatch, capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    worker = load_handler("job_worker").handler  # as Lambda runs it: its metrics are published
    slot = rt.clock()

    def job(message_id, receives):
        body = json.dumps(UserJob("proactive", USER, slot).to_dict())
        return sqs_event([{"body": body, "group_id": USER, "dedup_id": message_id, "receives": receives,
                           "message_id": message_id}])

    rt.sink.rate_limit_next = [30.0] * MAX_DELIVERY_ATTEMPTS
    capsys.readouterr()
    for attempt in range(MAX_DELIVERY_ATTEMPTS):
        assert worker(job(f"m-{attempt}", attempt + 1), LocalLambdaContext())["batchItemFailures"] == []
    counted = emitted(capsys)
    assert counted["ProactiveDeliveryFailures"] == 1 and counted["ProactiveFailed"] == 1
    assert counted["ProactiveRetryLater"] == MAX_DELIVERY_ATTEMPTS - 1
    assert "ProactiveOperatorRequests" not in counted  # the sweep's own jobs
