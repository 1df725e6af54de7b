"""Every scheduled event in events/ drives its handler in-process against SQS FIFO (moto) and the
embedded engines; the jobs the sweeps queue on the job queue are run by the job worker, read back
from SQS."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from companion.adapters.queues import SqsTurnQueue
from companion.domain.schedules import UserJob, next_reflection_slot, scheduled_time
from companion.local.functions import load_handler
from companion.local.runtime import LocalRuntime
from tests.sample_events import sample_event

SAMPLE_USER = "1300000000000000001"  # the user the sample events talk about


def runtime_at(tmp_path, database_url, embedder, sqs, at):
    """The embedded engines on a frozen clock; turns (and their new-memory jobs) go through the
    in-process queues, and the schedules' sweeps (built on first use, after the users exist) queue
    their jobs on SQS, the job queue."""
    client, url = sqs
    rt = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                      frozen_at=at)
    rt.container.new_memory  # built now, with the in-process job queue the runtime drains
    rt.container.__dict__["job_queue"] = SqsTurnQueue(url, client)
    return rt


def received_records(sqs):
    """What the sweep queued, as the SQS event the worker's event source mapping would deliver."""
    client, url = sqs
    messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                      AttributeNames=["All"])["Messages"]
    return {"Records": [
        {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
         "attributes": m["Attributes"], "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
         "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:companion-TurnQueue.fifo",
         "awsRegion": "us-east-1"} for m in messages]}


def test_need_decay_event_grows_every_users_needs(tmp_path, database_url, embedder, sqs, lambda_context):
    event = sample_event("need_decay/scheduled.json")
    at = scheduled_time(event)
    rt = runtime_at(tmp_path, database_url, embedder, sqs, at - timedelta(hours=10))
    try:
        rt.send("companion", {"message": "hello"}, user_id=SAMPLE_USER)
        before = {n.need_type: n.current_level for n in rt.container.needs_repo.get_needs(SAMPLE_USER)}
        rt.clock.advance_to(at)
        result = load_handler("need_decay").handler(event, lambda_context)
        after = {n.need_type: n.current_level for n in rt.container.needs_repo.get_needs(SAMPLE_USER)}
    finally:
        rt.close()
    assert result["status"] == "done" and result["rows_affected"] == 5
    assert after["rest"] == pytest.approx(min(1.0, before["rest"] + 10 * 0.04))
    assert after["social"] == pytest.approx(before["social"] + 10 * 0.03)


def test_proactive_sweep_event_queues_one_job_per_due_user_and_the_job_worker_runs_it(
        tmp_path, database_url, embedder, sqs, lambda_context):
    event = sample_event("proactive_sweep/scheduled.json")
    at = scheduled_time(event)
    rt = runtime_at(tmp_path, database_url, embedder, sqs, at - timedelta(hours=30))
    try:
        rt.send("companion", {"message": "I'm training for a marathon"}, user_id=SAMPLE_USER)
        rt.send("companion", {"message": "just said hi"}, user_id="1300000000000000002")
        rt.clock.advance_to(at - timedelta(hours=1))
        rt.send("companion", {"message": "still here"}, user_id="1300000000000000002")  # active: not due
        rt.clock.advance_to(at)
        result = load_handler("proactive_sweep").handler(event, lambda_context)
        assert result == {"job": "proactive-sweep", "status": "done", "users_selected": 1, "jobs_enqueued": 1,
                          "sanctions_lifted": 0}
        again = load_handler("proactive_sweep").handler(event, lambda_context)  # delivered twice
        assert again["users_selected"] == 0
        batch = received_records(sqs)
        [record] = batch["Records"]
        assert record["attributes"]["MessageGroupId"] == SAMPLE_USER
        assert json.loads(record["body"]) == {"job": "proactive", "user_id": SAMPLE_USER, "slot": at.isoformat()}
        assert rt._job_worker_handler(batch, lambda_context) == {"batchItemFailures": []}
        [decision] = rt.container.outreach_repo.list_decisions(SAMPLE_USER)
        assert decision.slot == at and decision.outcome in ("send", "decline", "blocked")
    finally:
        rt.close()


def test_reflection_sweep_event_fans_out_and_each_job_writes_a_report(
        tmp_path, database_url, embedder, sqs, lambda_context):
    event = sample_event("reflection_sweep/scheduled.json")
    at = scheduled_time(event)
    slot = next_reflection_slot(SAMPLE_USER, "UTC", at - timedelta(hours=1))  # 02:02 on the user's clock
    rt = runtime_at(tmp_path, database_url, embedder, sqs, at - timedelta(hours=6))
    try:
        for i in range(6):
            rt.send("companion", {"message": f"Practised the cello for {i + 1} hours, love it"}, user_id=SAMPLE_USER)
        # A sweep in the evening schedules the new user's first night; none is due yet.
        rt.clock.advance_to(at - timedelta(hours=5))
        evening = load_handler("reflection_sweep").handler(event | {"time": "2025-11-25T21:15:00Z"}, lambda_context)
        assert evening["jobs_enqueued"] == 0
        rt.clock.advance_to(at)
        result = load_handler("reflection_sweep").handler(event, lambda_context)
        assert (result["users_selected"], result["jobs_enqueued"]) == (1, 1)
        again = load_handler("reflection_sweep").handler(event, lambda_context)  # delivered twice
        assert again["jobs_enqueued"] == 0
        batch = received_records(sqs)
        [record] = batch["Records"]
        assert json.loads(record["body"]) == {"job": "reflection", "user_id": SAMPLE_USER, "slot": slot.isoformat()}
        assert rt._job_worker_handler(batch, lambda_context) == {"batchItemFailures": []}
        report = rt.container.outreach_repo.reflection_report(SAMPLE_USER, slot)
    finally:
        rt.close()
    assert report["status"] == "succeeded", report
    assert report["report"]["personality_evolution"]["status"] == "evolved"
    assert report["report"]["day"]["conversation"]["messages"] == 6
    assert "memory_consolidation" in report["report"] and not report["report"]["errors"]


def test_retention_purge_event_deletes_what_outlived_its_retention(
        tmp_path, database_url, embedder, sqs, lambda_context):
    event = sample_event("retention_purge/scheduled.json")
    at = scheduled_time(event)
    rt = runtime_at(tmp_path, database_url, embedder, sqs, at - timedelta(days=400))
    outreach = rt.container.outreach_repo
    try:
        rt.send("companion", {"message": "a very old message"}, user_id=SAMPLE_USER)
        rt.container.proactive.run(UserJob("proactive", SAMPLE_USER, rt.clock()))  # an old decision
        old_moods = len(rt.container.profile_repo.pad_history(SAMPLE_USER, at - timedelta(days=500)))
        rt.clock.advance_to(at - timedelta(days=1))
        rt.send("companion", {"message": "a recent one"}, user_id=SAMPLE_USER)
        rt.container.proactive.run(UserJob("proactive", SAMPLE_USER, rt.clock()))  # a recent one
        rt.clock.advance_to(at)
        result = load_handler("retention_purge").handler(event, lambda_context)
        left = [i.user_message for i in rt.container.interaction_repo.list_interactions(SAMPLE_USER)]
        decisions = [d.slot for d in outreach.list_decisions(SAMPLE_USER)]
        moods = rt.container.profile_repo.pad_history(SAMPLE_USER, at - timedelta(days=500))
        current = rt.container.profile_repo.get_personality(SAMPLE_USER)
    finally:
        rt.close()
    assert result["deleted"]["interactions"] == 1 and left == ["a recent one"]
    # Blocked decisions go after a week: the old one is gone, yesterday's stays.
    assert result["deleted"]["decisions_declined"] == 1 and decisions == [at - timedelta(days=1)]
    # Mood history goes after 90 days; the current state (set by yesterday's turn) always stays.
    assert old_moods >= 1 and result["deleted"]["personality_history"] == old_moods
    assert moods and all(m.at >= at - timedelta(days=2) for m in moods) and current is not None


def test_sample_job_records_run_through_the_job_worker(tmp_path, database_url, embedder, lambda_context):
    slot = datetime(2025, 11, 26, 2, 2, tzinfo=timezone.utc)  # the sample user's night (UTC)
    runtime = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                           frozen_at=slot - timedelta(hours=12))
    try:
        runtime.send("companion", {"message": "Hello!"}, user_id=SAMPLE_USER)
        runtime.clock.advance_to(slot + timedelta(minutes=13))
        for path in ("job_worker/proactive_job.json", "job_worker/reflection_job.json"):
            result = load_handler("job_worker").handler(sample_event(path), lambda_context)
            assert result == {"batchItemFailures": []}, path
        assert runtime.container.outreach_repo.list_decisions(SAMPLE_USER)
        report = runtime.container.outreach_repo.reflection_report(SAMPLE_USER, slot)
    finally:
        runtime.close()
    assert report["status"] == "succeeded"


def test_sample_new_memory_job_scores_the_sample_turns_memory(runtime, lambda_context, db_admin):
    from companion.services.turn import turn_memory_id

    record = sample_event("job_worker/new_memory_job.json")["Records"][0]
    body = json.loads(record["body"])
    runtime.send("companion", {"message": "Hello!"}, user_id=SAMPLE_USER)
    # The sample turn's memory, as the puppy turn saved it (here with a placeholder importance).
    memory = runtime.container.memory.prepare(SAMPLE_USER, "I got a new puppy today!",
                                              memory_id=turn_memory_id(body["interaction"]),
                                              now=datetime(2025, 11, 25, tzinfo=timezone.utc), importance=0.01)
    with runtime.container.database.scoped(SAMPLE_USER) as tx:
        runtime.container.memory_repo.insert_memory(tx, memory, None)
    result = load_handler("job_worker").handler(sample_event("job_worker/new_memory_job.json"), lambda_context)
    assert result == {"batchItemFailures": []}
    row = db_admin.execute("SELECT importance FROM memories WHERE id = %s", (body["subject"],)).fetchone()
    assert row["importance"] > 0.01  # the scorer replaced the placeholder score


def test_a_malformed_scheduled_event_is_refused_clearly(lambda_context, runtime):
    from companion.domain.schedules import InvalidScheduledEvent

    with pytest.raises(InvalidScheduledEvent, match="time"):
        load_handler("proactive_sweep").handler({"detail-type": "Scheduled Event"}, lambda_context)
    with pytest.raises(InvalidScheduledEvent, match="ISO"):
        load_handler("need_decay").handler({"time": "yesterday"}, lambda_context)
