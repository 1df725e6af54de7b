"""benchmarks/queue_sim.py: it reads the deployed topology from template.yaml, models SQS FIFO and
Lambda's event sources faithfully enough to reproduce the shared queue's starvation, and shows
the split removing it. Small fleets only (each simulation runs in about a second)."""
import copy
import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

spec = importlib.util.spec_from_file_location("queue_sim", REPO_ROOT / "benchmarks" / "queue_sim.py")
sim = importlib.util.module_from_spec(spec)
sys.modules["queue_sim"] = sim
spec.loader.exec_module(sim)


@pytest.fixture(scope="module")
def template():
    return sim.TemplateLoader.load(REPO_ROOT / "template.yaml")


def prod(template):
    return sim.read_topology(template, sim.deployment_parameters(REPO_ROOT / "samconfig.toml", "prod"))


def shared_queue(template: dict) -> dict:
    """The template as it was before jobs had their own queue: the turn worker, the sweeps and
    the API send jobs to the turn queue, which the turn worker runs; reflections at 03:00 UTC."""
    t = copy.deepcopy(template)
    resources = t["Resources"]
    for name in ("TurnWorkerFunction", "ProactiveSweepFunction", "ReflectionSweepFunction", "ApiFunction"):
        env = resources[name]["Properties"]["Environment"]["Variables"]
        env.pop("JOB_QUEUE_URL", None)
        env["TURN_QUEUE_URL"] = {"Ref": "TurnQueue"}
    for name in ("JobWorkerFunction", "JobQueue", "JobDeadLetterQueue"):
        del resources[name]
    night = next(r for r in resources.values() if r["Type"] == "AWS::Scheduler::Schedule"
                 and r["Properties"]["Target"]["Arn"]["Fn::GetAtt"][0] == "ReflectionSweepFunction")
    night["Properties"]["ScheduleExpression"] = "cron(0 3 * * ? *)"
    return t


def test_the_topology_is_read_from_the_template_and_the_environments_parameters(template):
    topology = prod(template)
    resources = template["Resources"]
    turns = topology.consumers["TurnQueue"]
    assert turns.function == "TurnWorkerFunction"
    assert turns.batch_size == resources["TurnWorkerFunction"]["Properties"]["Events"]["Turns"]["Properties"]["BatchSize"]
    assert turns.timeout_s == resources["TurnWorkerFunction"]["Properties"]["Timeout"]
    overrides = sim.deployment_parameters(REPO_ROOT / "samconfig.toml", "prod")
    assert turns.max_concurrency == int(overrides["WorkerMaxConcurrency"])
    jobs = topology.consumers["JobQueue"]
    assert jobs.function == "JobWorkerFunction" and jobs.max_concurrency == int(overrides["JobWorkerMaxConcurrency"])
    assert topology.queues["TurnQueue"].visibility_s == resources["TurnQueue"]["Properties"]["VisibilityTimeout"]
    assert topology.queues["JobQueue"].max_receives == resources["JobQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"]
    assert topology.queues["JobQueue"].fifo
    assert topology.routes == {"turn": "TurnQueue", "new_memory": "JobQueue", "proactive": "JobQueue",
                               "reflection": "JobQueue"}
    expressions = {s.name: s.expression for s in topology.schedules.values()}
    from companion.domain.schedules import SCHEDULES

    assert expressions == {s.function: s.expression for s in SCHEDULES}
    # Without an environment, the template's defaults.
    defaults = sim.read_topology(template)
    assert defaults.consumers["TurnQueue"].max_concurrency == int(template["Parameters"]["WorkerMaxConcurrency"]["Default"])


def test_the_old_template_routes_every_job_to_the_turn_queue(template):
    topology = sim.read_topology(shared_queue(template))
    assert set(topology.routes.values()) == {"TurnQueue"} and set(topology.consumers) == {"TurnQueue"}


def small(topology, turn_workers, job_workers=None):
    """The same topology with smaller caps, for a fleet of a few thousand."""
    consumers = {q: replace(c, max_concurrency=turn_workers if q == "TurnQueue" else job_workers)
                 for q, c in topology.consumers.items()}
    return replace(topology, consumers=consumers)


def test_a_shared_queue_starves_turns_behind_the_nightly_fan_out_and_the_split_does_not(template):
    users, service = 3000, replace(sim.ServiceTimes(), cold_start_s=0.0)
    before = sim.simulate(small(sim.read_topology(shared_queue(template)), 8), users, service=service).summary()
    after = sim.simulate(small(prod(template), 8, 4), users, service=service).summary()
    assert before["turns"] > 50_000 and after["turns"] > 50_000
    # 3,000 reflections of ~4.6 s at 03:00 UTC hold the 8 shared workers for ~29 minutes: the
    # turns sent meanwhile wait behind them (their users' tokens expire) and the day's p99 misses 5 s.
    assert before["turn_wait_p99_s"] > 5 and before["turns_expired"] > 50
    assert after["turn_wait_p99_s"] <= 5 and after["turns_expired"] == 0
    assert before["reflections_outside_night"] > 0.5 * users  # 03:00 UTC is evening in the Americas
    assert after["reflections_outside_night"] == 0


def one_queue(fifo=True, concurrency=1, timeout=30.0, visibility=180.0, receives=4):
    queue = sim.Queue("Q", fifo, visibility, receives)
    return sim.Topology({"Q": queue}, {"Q": sim.Consumer("W", "Q", 1, concurrency, timeout, 1024)},
                        {"turn": "Q", "new_memory": "Q", "proactive": "Q", "reflection": "Q"}, {})


def test_a_fifo_group_waits_for_its_message_in_flight_and_others_go_oldest_first():
    q = sim.SqsQueue(sim.Queue("Q", True, 180, 4))
    a1, a2, b1 = (sim.Message("turn", u, t, t, 1.0) for u, t in ((1, 0.0), (1, 1.0), (2, 2.0)))
    for m in (a1, a2, b1):
        q.put(m)
    key, [first] = q.take(1)
    assert first is a1
    key2, [second] = q.take(1)
    assert second is b1  # user 1's next message waits for its first, however old
    assert q.take(1) is None
    q.release(key)
    assert q.take(1)[1] == [a2]


def test_an_invocation_that_outlives_its_timeout_is_redelivered_after_the_visibility_timeout_then_dead_lettered():
    s = sim.Simulation(one_queue(timeout=30.0, visibility=180.0, receives=3), users=1, days=0.0)
    s.at(0.0, s.ARRIVE, sim.Message("reflection", 0, 0.0, 0.0, 100.0))  # longer than the 30 s timeout
    s.at(1.0, s.ARRIVE, sim.Message("turn", 0, 1.0, 1.0, 1.0))  # same user: waits behind it
    s.loop()
    assert s.dead == 1
    # Three receives, each starting when the previous one's visibility timeout ended.
    [wait] = s.turn_waits
    assert wait == pytest.approx(2 * 180.0 + 30.0 - 1.0)


def test_reflections_run_in_each_users_night_when_the_sweep_runs_often(template):
    topology = small(prod(template), 20, 4)
    run = sim.Simulation(topology, 2000, 1.0, service=replace(sim.ServiceTimes(), cold_start_s=0.0))
    result = run.run()
    assert len(result.job_lags["reflection"]) == 2000 and result.reflections_outside_night == 0
    # Spread over the day by time zone: no hour of the day holds more than a fifth of them.
    hours = sim.np.bincount((sim.np.array(run.reflection_starts) // 3600).astype(int) % 24, minlength=24)
    assert hours.max() < 0.2 * 2000 and (hours > 0).sum() >= 8
