"""Per-user jobs run under a deadline like turns, with every provider call behind its breaker: a
hanging provider makes a job fall back or defer and return inside its invocation, so SQS never
redelivers it and the user's next work never waits behind it."""
import json
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from companion.adapters.openai_chat import OpenAIChatReplyModel
from companion.adapters.groq_fast import GroqFastModel
from companion.adapters.queues import sqs_event
from companion.domain import deadline as deadlines
from companion.domain.importance import heuristic_importance
from companion.domain.schedules import UserJob
from companion.local.lambda_context import LocalLambdaContext
from companion.local.runtime import LocalRuntime
from companion.services.jobs import JOB_CAPS, JobBudget

from tests.fakes import FakeChatServer

START = datetime(2026, 11, 2, 17, 0, tzinfo=timezone.utc)
USER = "500000000000000061"


class HangingGroq:
    """Groq's endpoint at the wire, never answering: each request waits out the read timeout the
    client gave it, then times out (as a hung connection does)."""

    def __init__(self):
        self.requests: list[float] = []  # the read timeout each request was given

    def handle(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {}).get("read") or 5.0
        self.requests.append(timeout)
        time.sleep(min(timeout, 5.0))
        raise httpx.ReadTimeout("timed out", request=request)

    def model(self) -> GroqFastModel:
        return GroqFastModel(api_key="gsk_test", model="meta-llama/llama-4-maverick-17b-128e-instruct",
                             http_client=httpx.Client(transport=httpx.MockTransport(self.handle),
                                                      base_url="https://api.groq.com"))


@pytest.fixture
def make_runtime(tmp_path, database_url, embedder):
    made = []

    def make(**overrides):
        rt = LocalRuntime(tmp_path / f"rt{len(made)}", database_url=database_url, qdrant_path=":memory:",
                          embedder=embedder, overrides=overrides, frozen_at=START)
        made.append(rt)
        return rt

    yield make
    for rt in made:
        rt.close()


def test_a_hanging_fast_model_leaves_the_new_memory_job_its_offline_answers_inside_its_deadline(make_runtime, db_admin):
    groq = HangingGroq()
    rt = make_runtime(fast_model=groq.model())
    rt.container.jobs.budget = JobBudget(caps={**JOB_CAPS, "new_memory": 1.5})
    rt.send("companion", {"message": "I live in Paris with my partner."}, user_id=USER)
    message = "I moved to Berlin last month, I live in Berlin now."
    exchange = rt.send("companion", {"message": message}, user_id=USER)
    assert exchange.replies  # the turn answered; its memory's job ran after it
    # Every call was bounded by the job's deadline (never the SDK's own 5 s plus a retry), and the
    # breaker opened after two failures, so later questions were not even asked.
    assert groq.requests and all(t <= 1.5 for t in groq.requests)
    assert rt.container.breakers["fast model"].state == "open"
    assert len(groq.requests) <= 2
    # The memory kept its heuristic importance; the job did not fail, retry or dead-letter.
    row = db_admin.execute("SELECT importance FROM memories WHERE user_id = %s AND content = %s",
                           (USER, message)).fetchone()
    assert row["importance"] == pytest.approx(heuristic_importance(message))
    assert rt.queue.dead_letters == [] and len(rt.queue) == 0


def test_every_fast_model_question_goes_through_the_one_breaker(make_runtime):
    groq = HangingGroq()
    c = make_runtime(fast_model=groq.model()).container
    guarded = c.guarded_fast_model
    assert guarded.breaker is c.breakers["fast model"]
    assert c.conflict_judge._model is guarded
    assert c.consolidation.summarizer._model is guarded
    assert c.quirk_detector._model is guarded
    assert c.importance_scorer._model is guarded


def test_the_job_deadline_is_the_invocations_time_less_a_margin(make_runtime):
    rt = make_runtime()
    seen = []

    def spy(job):
        seen.append(deadlines.current().remaining())
        return rt.container.new_memory.run(job)

    rt.container.jobs.handlers["new_memory"] = spy
    job = UserJob("new_memory", USER, START, subject="00000000-0000-0000-0000-000000000000", interaction="i1")
    event = sqs_event([{"body": json.dumps(job.to_dict()), "group_id": USER, "dedup_id": job.dedup_id,
                        "receives": 1, "message_id": "m1"}])
    context = LocalLambdaContext()
    context.get_remaining_time_in_millis = lambda: 6_000  # the invocation has 6 s left
    assert rt._job_worker_handler(event, context) == {"batchItemFailures": []}
    [left] = seen
    assert 0 < left <= 6.0 - JobBudget().lambda_margin


def test_a_hanging_reply_model_makes_the_proactive_job_send_the_template_starter(make_runtime, db_admin):
    # Turns are answered; the starter (cued with "The user has not written") hangs.
    chat = FakeChatServer(lambda body: "hang" if "has not written" in body["messages"][-1]["content"] else "ok")
    try:
        rt = make_runtime(reply_model=OpenAIChatReplyModel(api_key="cpk_test", primary_model="Qwen/primary",
                                                      base_url=chat.base_url))
        rt.container.proactive.threshold = 0.0  # delivery under a slow model is under test, not the score
        rt.container.jobs.budget = JobBudget(caps={**JOB_CAPS, "proactive": 5.0})
        rt.send("companion", {"message": "I'm training for a half marathon in spring!"}, user_id=USER)
        rt.clock.advance_to(START + timedelta(hours=20))
        job = UserJob("proactive", USER, rt.clock())
        event = sqs_event([{"body": json.dumps(job.to_dict()), "group_id": USER, "dedup_id": job.dedup_id,
                            "receives": 1, "message_id": "p1"}])
        assert rt._job_worker_handler(event, LocalLambdaContext()) == {"batchItemFailures": []}
    finally:
        chat.close()
    [dm] = rt.sink.messages
    [decision] = rt.container.outreach_repo.list_decisions(USER)
    assert decision.status == "sent" and dm.content == decision.content
    source = db_admin.execute("SELECT starter_source FROM proactive_decisions WHERE id = %s", (decision.id,)).fetchone()
    assert source["starter_source"] == "template"
    assert any("has not written" in r["messages"][-1]["content"] for r in chat.requests)  # it was asked
