"""A turn's new memory after the reply, as a per-user job: the turn saves it with the heuristic
importance and queues the job on the job queue (FIFO group = the user); the job worker runs it in
an invocation of its own (the importance scorer, then the conflict check), embedding no statement
twice."""
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from companion.domain.importance import heuristic_importance
from companion.domain.schedules import InvalidJob, UserJob
from companion.local.runtime import LocalRuntime

USER = "job-user"
T0 = datetime(2026, 3, 2, 18, 0, tzinfo=timezone.utc)


class CountingEmbedder:
    """The real offline embedder, counting which texts reach it."""

    def __init__(self, inner):
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.texts: list[str] = []

    def embed(self, texts, kind="document"):
        self.texts += list(texts)
        return self.inner.embed(texts, kind)


@pytest.fixture
def counted(tmp_path, database_url, embedder):
    counting = CountingEmbedder(embedder)
    rt = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=counting)
    yield rt, counting
    rt.close()


def invocations(rt, db_admin):
    """Wrap the turn worker's and the job worker's handlers: per invocation, in order, the record
    it ran, its group and the conflicts recorded when it returned."""
    seen = []

    def spying(worker):
        def spy(event, context):
            result = worker(event, context)
            [record] = event["Records"]
            recorded = db_admin.execute("SELECT count(*) AS n FROM memory_conflicts WHERE user_id = %s",
                                        (USER,)).fetchone()["n"]
            seen.append((json.loads(record["body"]), record["attributes"]["MessageGroupId"], recorded))
            return result
        return spy

    rt._worker_handler = spying(rt._worker_handler)
    rt._job_worker_handler = spying(rt._job_worker_handler)
    return seen


def say(rt, when, message, user=USER):
    rt.container.turns.clock = lambda: when
    return rt.send("companion", {"message": message}, user_id=user)


def test_the_turn_queues_the_job_and_the_job_worker_runs_it_in_an_invocation_of_its_own(runtime, db_admin):
    say(runtime, T0, "I love coffee")
    seen = invocations(runtime, db_admin)
    reply = say(runtime, T0 + timedelta(days=7), "I can't stand coffee anymore")
    assert reply.replies
    (turn, turn_group, after_turn), (job, job_group, after_job) = seen
    assert "command" in turn and after_turn == 0  # the turn's invocation ended with no check done
    new = db_admin.execute("SELECT id::text FROM memories WHERE user_id = %s AND content = %s",
                           (USER, "I can't stand coffee anymore")).fetchone()["id"]
    assert job == {"job": "new_memory", "user_id": USER, "slot": (T0 + timedelta(days=7)).isoformat(),
                   "subject": new, "interaction": turn["interaction_id"]}
    assert job_group == turn_group == USER  # the job queue's FIFO group is the user too
    assert len(runtime.queue) == len(runtime.job_queue) == 0
    assert after_job == 1
    [conflict] = db_admin.execute("SELECT * FROM memory_conflicts WHERE user_id = %s", (USER,)).fetchall()
    assert conflict["primary_memory_id"] == new and conflict["status"] == "resolved"
    assert conflict["conversation_context"]["interaction"] == turn["interaction_id"]


def test_the_reply_never_waits_for_the_importance_scorer(runtime, db_admin):
    seen = []
    message = "I got engaged to Sam last night!"

    def importance():
        row = db_admin.execute("SELECT importance FROM memories WHERE user_id = %s AND content = %s",
                               (USER, message)).fetchone()
        return row["importance"] if row else None

    def spying(worker):
        def spy(event, context):
            result = worker(event, context)
            seen.append((json.loads(event["Records"][0]["body"]).get("job", "turn"), importance()))
            return result
        return spy

    runtime._worker_handler = spying(runtime._worker_handler)
    runtime._job_worker_handler = spying(runtime._job_worker_handler)
    say(runtime, T0, message)
    scored = runtime.container.importance_scorer.score(message, {"user_id": USER, "memory_type": "episodic"})
    assert seen == [("turn", pytest.approx(heuristic_importance(message))), ("new_memory", pytest.approx(scored))]


def test_no_statement_is_embedded_twice_across_the_turn_and_its_job(counted, db_admin):
    rt, counting = counted
    say(rt, T0, "I love coffee")
    say(rt, T0 + timedelta(days=7), "I can't stand coffee anymore")
    # Bare statements: once for the importance score; the check reuses them (in-process cache).
    assert counting.texts.count("I love coffee") == 1
    assert counting.texts.count("I can't stand coffee anymore") == 1
    assert db_admin.execute("SELECT count(*) AS n FROM memory_conflicts WHERE user_id = %s",
                            (USER,)).fetchone()["n"] == 1


def test_with_the_queue_down_the_check_runs_in_the_turn(runtime, db_admin):
    class Down:
        def send(self, *args, **kwargs):
            raise ConnectionError("SQS unreachable")

    runtime.container.new_memory.queue = Down()
    say(runtime, T0, "I love coffee")
    seen = invocations(runtime, db_admin)
    say(runtime, T0 + timedelta(days=7), "I can't stand coffee anymore")
    assert [("job" in body, recorded) for body, _, recorded in seen] == [(False, 1)]


def test_a_turn_that_failed_after_saving_still_gets_its_job_once(runtime, db_admin):
    discord = runtime.container.turns.replies
    failures = []

    class FlakyDiscord:
        """The first edit of the reply fails (a Discord 5xx that outlived the retries)."""

        def edit_original(self, *args):
            if not failures:
                failures.append(args)
                raise RuntimeError("Discord 503")
            return discord.edit_original(*args)

    say(runtime, T0, "I love coffee")
    runtime.container.turns.replies = FlakyDiscord()
    seen = invocations(runtime, db_admin)
    reply = say(runtime, T0 + timedelta(days=7), "I can't stand coffee anymore")
    assert failures and reply.replies  # failed once, answered on the redelivery
    # the failed delivery, the redelivery (which queues the job), the job: once
    assert [("job" in body, recorded) for body, _, recorded in seen] == [(False, 0), (False, 0), (True, 1)]


def test_a_job_whose_memory_is_gone_or_someone_elses_is_skipped(runtime, db_admin):
    say(runtime, T0, "I love coffee", user="other-user")
    theirs = db_admin.execute("SELECT id::text FROM memories WHERE user_id = 'other-user'").fetchone()["id"]
    new_memory = runtime.container.new_memory
    assert new_memory.run(UserJob("new_memory", USER, T0, subject=str(uuid.uuid4()))).status == "skipped"
    assert new_memory.run(UserJob("new_memory", USER, T0, subject=theirs)).status == "skipped"
    assert new_memory.run(UserJob("new_memory", "other-user", T0, subject=theirs)).status == "done"


def test_a_failing_job_is_counted_not_retried(runtime):
    class Broken:
        def memories_by_ids(self, *args):
            raise RuntimeError("database blip")

    runtime.container.memory.memories = Broken()
    assert runtime.container.new_memory.run(UserJob("new_memory", USER, T0, subject="m")).status == "failed"


def test_forget_clears_the_in_process_vectors_of_what_was_forgotten(runtime):
    say(runtime, T0, "My locker code is 4711")
    cache = runtime.container.statement_embedder
    assert "My locker code is 4711" in cache
    reply = runtime.send("forget", {"query": "locker code"}, user_id=USER).replies[0]
    assert "I forgot 1 memory" in reply
    assert "My locker code is 4711" not in cache


def test_forget_me_clears_them_too(runtime):
    say(runtime, T0, "My locker code is 4711")
    cache = runtime.container.statement_embedder
    assert "My locker code is 4711" in cache
    runtime.send("forget-me", {"confirm": "yes"}, user_id=USER)
    assert "My locker code is 4711" not in cache


def test_a_new_memory_job_round_trips_and_names_its_memory():
    job = UserJob("new_memory", USER, T0, subject="m-1", interaction="i-1")
    assert UserJob.from_dict(json.loads(json.dumps(job.to_dict()))) == job
    assert job.dedup_id.endswith(":m-1")  # one job per memory, even two in the same second
    long = UserJob("new_memory", "u" * 100, T0, subject=str(uuid.uuid4()))
    assert len(long.dedup_id) <= 128 and long.dedup_id != UserJob("new_memory", "u" * 100, T0, subject="x").dedup_id
    with pytest.raises(InvalidJob):
        UserJob.from_dict({"job": "new_memory", "user_id": USER, "slot": T0.isoformat()})
    with pytest.raises(InvalidJob):
        UserJob.from_dict({"job": "new_memory", "user_id": USER, "slot": T0.isoformat(), "subject": 7})
    proactive = UserJob("proactive", USER, T0)
    assert proactive.to_dict() == {"job": "proactive", "user_id": USER, "slot": T0.isoformat()}


def test_a_self_introduction_is_kept_as_important_and_small_talk_is_not(runtime, db_admin):
    """The issue's case through the real path (turn, then the job's offline scorer): a
    self-introduction was kept at 0.24-0.28 while small talk got up to 0.44."""
    say(runtime, T0, "Hi! I am Maya, I work as a nurse in Leeds")
    say(runtime, T0 + timedelta(minutes=1), "lol ok")
    say(runtime, T0 + timedelta(minutes=2), "thanks!")
    importance = {row["content"]: row["importance"] for row in db_admin.execute(
        "SELECT content, importance FROM memories WHERE user_id = %s", (USER,)).fetchall()}
    assert importance["Hi! I am Maya, I work as a nurse in Leeds"] >= 0.7
    assert importance["lol ok"] <= 0.1 and importance["thanks!"] <= 0.1
