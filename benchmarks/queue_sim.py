"""A discrete-event simulation of the deployed queues and workers, for a fleet of N users.

    .venv/bin/python benchmarks/queue_sim.py --users 100000 [--days 1] [--env prod]

**The topology is read from template.yaml** (and samconfig.toml's parameters for ``--env``):
every SQS queue (FIFO or not, visibility timeout, receives before the dead-letter queue), every
function an SQS event source feeds (batch size, ``MaximumConcurrency``, timeout, memory), which
queue each kind of message goes to (the interactions function's ``TURN_QUEUE_URL`` for turns;
the turn worker's ``JOB_QUEUE_URL`` -- else its ``TURN_QUEUE_URL`` -- for a turn's new-memory
job; each sweep's for its jobs) and every EventBridge schedule (expression, target, its
function's timeout and memory). Budgets come from the code: a turn's deadline
(``services.turn.TurnBudget``, the token's 15 minutes), a job's (``services.jobs.JOB_CAPS``), and
each user's reflection minute and night (``domain.schedules``).

**SQS and Lambda as modelled.** A FIFO queue hands out the oldest visible message of any message
group that has nothing in flight (SQS FIFO has no priority between groups; a group is one user),
so a backlog of jobs on the turns' queue delays every turn behind it. A standard queue hands out
the oldest message. An event source runs at most ``MaximumConcurrency`` invocations at once, each
taking up to ``BatchSize`` messages (of different groups, or in order of one group), run one after
the other. An invocation that outlives its function's timeout fails: its messages come back after
the visibility timeout and go to the dead-letter queue after ``maxReceiveCount`` receives. A
container idle for more than 10 minutes is gone; a new one pays the worker's init (cold start,
5.5 s: benchmarks/bench_cold_start.py, init 4.8-6.1 s), billed. Poll latency is not modelled.

**Service times** (lognormal, given as median and p95, each a flag):
- turn: the worker's own time, p50 49 / p95 78 ms (benchmarks/scale.py at 10k memories, the
  median of five runs, README "Recall"), plus the reply model: median 2.5 s, p95 6 s -- an
  assumption (no provider is reachable from this machine; the README's cost model says ~3 s),
  capped by the turn's deadline (25 s);
- new-memory job: the job's own time p50 25 / p95 100 ms (scale.py, memory_job) plus the fast
  model's importance score (assumed median 0.35 s, p95 1.2 s);
- proactive job: 6.7 ms (bench_outreach.py: 149 whole jobs/s, quieter run), and for the 3.8 %
  that send (its simulated day: 76 sends in 1,976 decisions) the starter from the reply model and
  the DM (+0.3 s);
- reflection job: median 4 s, p95 9 s (the issue's 5-10 s: personality evolution, the quirk
  detector and consolidation summaries on the fast model, consolidation's embeddings);
- sweeps: each claims its users in ``--sweep-query-s`` per 1,000 (0.2 s) and fans out at
  ``--fanout-per-s`` jobs a second (1,300): benchmarks/bench_fanout.py at 100k users, the real
  sweep code on embedded PostgreSQL and moto with a 20 ms round trip per SendMessageBatch; jobs
  that would be sent after the sweep function's timeout are never queued.
Jobs are capped by their deadline when ``--job-deadlines`` (the default, as the code does).

**Traffic model.** Every user writes ``--messages`` (20) messages a day (the README's cost model)
in sessions of ``--session-messages`` (5) on average (geometric); a session's first message comes
at a time drawn from the diurnal curve of the user's local hour (``DIURNAL``: a trough at 04:00, a
peak at 21:00; 1.8x the mean at its peak for one time zone), and each next one ``--think-s`` (30 s,
exponential) after the previous reply. Users' time zones follow ``ZONES`` (weights of Discord's
audience by region, an assumption; ``--single-zone Z`` puts everyone in one zone, the worst case
for peaks and for nights). Proactive checks: 3.97 per user a day (bench_outreach's simulated day),
for users awake (07:00-23:00 local) and away for 4 hours. Reflection: every user active in the
last 7 days (all of them, in this model), in their night by the code's slots when the schedule is
a rate, or all at the cron's time when it is a daily cron (the topology before the job queue).

**What it reports** (the last line is the JSON contract): turns and their wait (queued until the
worker starts on it, a cold start included), turns expired (waited past the token's life less the
turn's margins), jobs and their lag (queued until started; a reflection from its slot),
reflections started outside their user's night (01:00-05:00 local), Lambda GB-seconds a day (every
function, init included) and an estimated monthly bill of Lambda, SQS and Scheduler (us-east-1
arm64 prices, 2025) -- not Aurora, NAT, Qdrant or LLM tokens (docs/OPERATIONS.md's cost table).
"""
from __future__ import annotations

import argparse
import heapq
import json
import math
import sys
import tomllib
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layers" / "common"))
sys.path.insert(0, str(REPO))

from companion.domain import schedules as sched  # noqa: E402
from companion.domain.deadline import TOKEN_LIFETIME  # noqa: E402

DAY = 86400.0
# Relative activity by local hour (0-23), a messaging app's day: quiet before dawn, rising through
# the day, the evening peak. An assumption (documented in the README); its peak is 1.8x its mean.
DIURNAL = (3.0, 1.8, 1.0, 0.6, 0.5, 0.6, 1.2, 2.4, 3.4, 3.8, 4.0, 4.2,
           4.6, 4.5, 4.3, 4.4, 4.7, 5.1, 5.6, 6.2, 6.8, 7.0, 6.2, 4.6)
# Where the users are (weights): the Americas 40 %, Europe 32 %, Asia 22 %, Oceania 3 %, Africa 3 %.
ZONES = {
    "America/Los_Angeles": 10, "America/Chicago": 8, "America/New_York": 18, "America/Sao_Paulo": 4,
    "Europe/London": 8, "Europe/Berlin": 14, "Europe/Moscow": 6, "Europe/Istanbul": 4,
    "Asia/Kolkata": 6, "Asia/Manila": 5, "Asia/Tokyo": 5, "Asia/Shanghai": 3, "Asia/Jakarta": 3,
    "Australia/Sydney": 3, "Africa/Lagos": 3,
}
WAKING = (7, 23)  # proactive checks happen outside the default quiet hours (23:00-07:00)
KEEP_WARM_S = 600.0  # an idle Lambda container is assumed gone after 10 minutes
PRICES = {  # us-east-1, 2025
    "lambda_gb_s": 0.0000133334,  # arm64
    "lambda_request": 0.20e-6,
    "sqs_fifo_request": 0.50e-6,
    "sqs_standard_request": 0.40e-6,
    "scheduler_invocation": 1.00e-6,
}
SQS_REQUESTS_PER_MESSAGE = 3  # send, receive, delete
LAMBDA_POLLERS_REQUESTS_PER_DAY = 5 * 3 * 1440  # five long-polling pollers per event source, idle


# --- the topology, from template.yaml ------------------------------------------------------------

@dataclass(frozen=True)
class Queue:
    name: str
    fifo: bool
    visibility_s: float
    max_receives: int


@dataclass(frozen=True)
class Consumer:
    function: str
    queue: str
    batch_size: int
    max_concurrency: int
    timeout_s: float
    memory_mb: int


@dataclass(frozen=True)
class Schedule:
    name: str
    expression: str
    function: str
    timeout_s: float
    memory_mb: int


@dataclass(frozen=True)
class Topology:
    queues: dict[str, Queue]
    consumers: dict[str, Consumer]  # by queue
    routes: dict[str, str]  # message kind -> queue
    schedules: dict[str, Schedule]  # by the function it runs
    interactions_memory_mb: int = 512


class TemplateLoader:
    """template.yaml with CloudFormation's short tags as plain dicts (!Ref x -> {"Ref": x})."""

    @staticmethod
    def load(path: Path) -> dict:
        import yaml

        class Loader(yaml.SafeLoader):
            pass

        def tag(loader, suffix, node):
            if isinstance(node, yaml.ScalarNode):
                value = loader.construct_scalar(node)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            if suffix == "Ref":
                return {"Ref": value}
            if suffix == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
            return {f"Fn::{suffix}": value}

        Loader.add_multi_constructor("!", tag)
        return yaml.load(path.read_text(), Loader=Loader)


def deployment_parameters(samconfig: Path, env: str) -> dict[str, str]:
    """The parameter overrides an environment of samconfig.toml deploys with."""
    config = tomllib.loads(samconfig.read_text())
    overrides = config.get(env, {}).get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
    out = {}
    for item in overrides.split():
        if "=" in item:
            key, value = item.split("=", 1)
            out[key] = value.strip('"')
    return out


def read_topology(template: dict, parameters: dict[str, str] | None = None) -> Topology:
    parameters = parameters or {}
    resources = template["Resources"]

    def value(v):
        if isinstance(v, dict) and "Ref" in v:
            name = v["Ref"]
            if name in parameters:
                return parameters[name]
            return template["Parameters"][name].get("Default")
        return v

    def ref_queue(v) -> str | None:
        if isinstance(v, dict):
            if "Ref" in v and v["Ref"] in resources:
                return v["Ref"]
            if "Fn::GetAtt" in v:
                return v["Fn::GetAtt"][0]
        return None

    queues = {}
    for name, r in resources.items():
        if r["Type"] != "AWS::SQS::Queue":
            continue
        p = r.get("Properties", {})
        redrive = p.get("RedrivePolicy") or {}
        queues[name] = Queue(name, bool(p.get("FifoQueue")), float(value(p.get("VisibilityTimeout", 30))),
                             int(redrive.get("maxReceiveCount", 10**9)))
    consumers, schedules, env_of = {}, {}, {}
    for name, r in resources.items():
        if r["Type"] != "AWS::Serverless::Function":
            continue
        p = r["Properties"]
        env_of[name] = p.get("Environment", {}).get("Variables", {})
        for event in (p.get("Events") or {}).values():
            if event["Type"] != "SQS":
                continue
            e = event["Properties"]
            queue = ref_queue(e["Queue"])
            consumers[queue] = Consumer(
                name, queue, int(value(e.get("BatchSize", 10))),
                int(value((e.get("ScalingConfig") or {}).get("MaximumConcurrency", 1000))),
                float(value(p.get("Timeout", 3))), int(value(p.get("MemorySize", 128))))
    for r in resources.values():
        if r["Type"] != "AWS::Scheduler::Schedule":
            continue
        p = r["Properties"]
        target = p["Target"]["Arn"]["Fn::GetAtt"][0]
        fp = resources[target]["Properties"]
        function = fp["CodeUri"].rsplit("/", 1)[-1]
        schedules[function] = Schedule(function, p["ScheduleExpression"], target, float(value(fp.get("Timeout", 3))),
                                       int(value(fp.get("MemorySize", 128))))

    def queue_in(function: str, *variables: str) -> str | None:
        for variable in variables:
            queue = ref_queue(env_of.get(function, {}).get(variable))
            if queue:
                return queue
        return None

    worker = consumers[queue_in("InteractionsFunction", "TURN_QUEUE_URL")].function
    sweep_of = {s.name: s.function for s in schedules.values()}
    routes = {
        "turn": queue_in("InteractionsFunction", "TURN_QUEUE_URL"),
        "new_memory": queue_in(worker, "JOB_QUEUE_URL", "TURN_QUEUE_URL"),
        "proactive": queue_in(sweep_of["proactive_sweep"], "JOB_QUEUE_URL", "TURN_QUEUE_URL"),
        "reflection": queue_in(sweep_of["reflection_sweep"], "JOB_QUEUE_URL", "TURN_QUEUE_URL"),
    }
    interactions = resources["InteractionsFunction"]["Properties"]
    return Topology(queues, consumers, routes, schedules, int(value(interactions.get("MemorySize", 512))))


# --- the models ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogNormal:
    median: float
    p95: float

    def sample(self, rng: np.random.Generator, n: int | None = None):
        sigma = math.log(self.p95 / self.median) / 1.645 if self.p95 > self.median else 0.0
        return rng.lognormal(math.log(self.median), sigma, n)


@dataclass(frozen=True)
class ServiceTimes:
    turn_overhead: LogNormal = LogNormal(0.049, 0.078)
    reply_model: LogNormal = LogNormal(2.5, 6.0)
    new_memory: LogNormal = LogNormal(0.025, 0.100)
    fast_model: LogNormal = LogNormal(0.35, 1.2)
    proactive: float = 0.0067
    proactive_send_share: float = 76 / 1976
    discord_s: float = 0.3
    reflection: LogNormal = LogNormal(4.0, 9.0)
    interactions_s: float = 0.05
    cold_start_s: float = 5.5
    # bench_fanout.py at 100k users (load ~9-13): 100,000 claimed in 19.4 s; 1,299 jobs/s sent.
    sweep_query_s: float = 0.2  # claiming the users of one sweep, per 1,000 claimed
    fanout_per_s: float = 1300.0  # jobs a sweep sends per second
    need_decay_s: float = 8.1  # bench_outreach.py, loaded: the hourly statement at 100k users
    retention_purge_s: float = 2.2  # bench_outreach.py


@dataclass(frozen=True)
class Traffic:
    messages_per_day: float = 20.0
    session_messages: float = 5.0
    think_s: float = 30.0
    proactive_per_day: float = 3.97
    zones: dict[str, float] = field(default_factory=lambda: dict(ZONES))
    diurnal: tuple[float, ...] = DIURNAL


@dataclass(frozen=True)
class Budgets:
    """From the code: the turn's deadline and when it counts as too old; jobs' caps."""
    turn_max_s: float
    turn_expires_after_s: float
    job_caps: dict[str, float]
    job_deadlines: bool = True

    @classmethod
    def from_code(cls, job_deadlines: bool = True) -> "Budgets":
        from companion.services.jobs import JOB_CAPS
        from companion.services.turn import TurnBudget

        b = TurnBudget()
        expires = TOKEN_LIFETIME.total_seconds() - b.token_margin - b.finish_reserve - b.min_model_time
        return cls(b.max_turn, expires, dict(JOB_CAPS), job_deadlines)


@dataclass(slots=True)
class Message:
    kind: str
    user: int
    sent: float  # when it became visible
    due: float  # what its lag is counted from (a reflection's slot; else sent)
    service: float  # its handler's time
    receives: int = 0
    session_left: int = 0  # turns: messages the user has still to send in this session


@dataclass
class Result:
    users: int
    days: float
    turn_waits: np.ndarray
    turns_expired: int
    job_lags: dict[str, np.ndarray]
    reflections_outside_night: int
    reflections_not_queued: int
    dead_lettered: int
    gb_s: float
    requests: dict[str, float]
    sqs_requests: dict[str, float]
    peak_to_mean: float
    scheduler_invocations: int

    def summary(self) -> dict[str, Any]:
        jobs = np.concatenate(list(self.job_lags.values())) if self.job_lags else np.zeros(0)
        per_day = 1.0 / self.days
        monthly = 30 * per_day * (
            self.gb_s * PRICES["lambda_gb_s"]
            + sum(self.requests.values()) * PRICES["lambda_request"]
            + sum(n * PRICES["sqs_fifo_request" if fifo else "sqs_standard_request"]
                  for (fifo, n) in self.sqs_requests.values())
            + self.scheduler_invocations * PRICES["scheduler_invocation"])
        return {
            "users": self.users,
            "turns": int(len(self.turn_waits)),
            "turn_wait_p50_s": _pct(self.turn_waits, 50),
            "turn_wait_p99_s": _pct(self.turn_waits, 99),
            "turns_expired": int(self.turns_expired),
            "jobs": int(len(jobs)),
            "job_lag_p99_s": _pct(jobs, 99),
            "reflections_outside_night": int(self.reflections_outside_night),
            "lambda_gb_s_per_day": round(self.gb_s * per_day, 1),
            "est_monthly_usd": round(monthly, 2),
        }


def _pct(values: np.ndarray, q: float) -> float:
    return round(float(np.percentile(values, q)), 3) if len(values) else 0.0


# --- the simulation --------------------------------------------------------------------------------

class SqsQueue:
    """Visible messages of one queue, handed out as SQS does (see the module's docstring)."""

    def __init__(self, queue: Queue):
        self.queue = queue
        self.groups: dict[int, deque[Message]] = {}
        self.in_flight: set[int] = set()
        self.ready: list[tuple[float, int, int]] = []  # (head's sent time, seq, group) of groups free to hand out
        self._seq = 0

    def put(self, message: Message) -> None:
        key = message.user if self.queue.fifo else -1 - self._seq  # a standard queue has no groups
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = deque()
        group.append(message)
        if len(group) == 1 and key not in self.in_flight:
            self._push(key)

    def _push(self, key: int) -> None:
        self._seq += 1
        heapq.heappush(self.ready, (self.groups[key][0].sent, self._seq, key))

    def take(self, batch: int) -> tuple[int, list[Message]] | None:
        """Up to ``batch`` messages of the oldest free group (its key is then in flight)."""
        while self.ready:
            _, _, key = heapq.heappop(self.ready)
            group = self.groups.get(key)
            if not group or key in self.in_flight:
                continue
            taken = [group.popleft() for _ in range(min(batch, len(group)))]
            self.in_flight.add(key)
            return key, taken
        return None

    def release(self, key: int) -> None:
        """The group's invocation ended (or its failed messages became visible again)."""
        self.in_flight.discard(key)
        if self.groups.get(key):
            self._push(key)
        else:
            self.groups.pop(key, None)

    def put_back(self, key: int, messages: list[Message]) -> None:
        """Failed messages return to the head of their group, invisible until ``release``."""
        group = self.groups.setdefault(key, deque())
        group.extendleft(reversed(messages))

    def __len__(self) -> int:
        return sum(len(g) for g in self.groups.values())


class Simulation:
    def __init__(self, topology: Topology, users: int, days: float, *, traffic: Traffic = Traffic(),
                 service: ServiceTimes = ServiceTimes(), budgets: Budgets | None = None, seed: int = 7,
                 start: datetime = datetime(2026, 6, 1, tzinfo=timezone.utc), single_zone: str | None = None):
        self.t = topology
        self.n = users
        self.days = days
        self.traffic = traffic
        self.service = service
        self.budgets = budgets or Budgets.from_code()
        self.rng = np.random.default_rng(seed)
        self.start = start
        self.end = days * DAY
        zones = {single_zone: 1.0} if single_zone else traffic.zones
        names = list(zones)
        weights = np.array([zones[z] for z in names], dtype=float)
        self.zone_names = names
        self.zone_of = self.rng.choice(len(names), size=users, p=weights / weights.sum())
        # Fixed UTC offsets at the start (a simulated day or week crosses no DST change here).
        self.offset_s = np.array([start.astimezone(ZoneInfo(z)).utcoffset().total_seconds() for z in names])[self.zone_of]
        self.user_ids = [f"u{i}" for i in range(users)]
        self.reflection_minute = np.array([sched.reflection_minute(u) for u in self.user_ids])
        self.last_turn = np.full(users, -10 * DAY)  # everyone was active in the last week
        self.events: list[tuple[float, int, int, Any]] = []
        self._seq = 0
        self.sqs = {name: SqsQueue(q) for name, q in topology.queues.items()}
        self.idle: dict[str, list[float]] = {c.function: [] for c in topology.consumers.values()}
        self.running: dict[str, int] = {c.function: 0 for c in topology.consumers.values()}
        self.turn_waits: list[float] = []
        self.turns_expired = 0
        self.job_lags: dict[str, list[float]] = {}
        self.reflections_outside = 0
        self.reflections_not_queued = 0
        self.dead = 0
        self.gb_s = 0.0
        self.requests: dict[str, float] = {}
        self.sqs_requests = {name: [q.fifo, 0.0] for name, q in topology.queues.items()}
        self.scheduler_invocations = 0
        self.hourly_turns = np.zeros(int(math.ceil(days * 24)) + 1)
        self.slot_lateness: list[float] = []  # a reflection queued this long after its user's slot
        self.reflection_starts: list[float] = []
        self._buffers: dict[Any, list[float]] = {}

    def draw(self, dist: "LogNormal | str") -> float:
        """One sample of a service time (or "think": the pause before a session's next message),
        drawn from numpy in blocks (one call per sample would dominate the run time)."""
        buf = self._buffers.get(dist)
        if not buf:
            if dist == "think":
                values = self.rng.exponential(self.traffic.think_s, 65536)
            elif dist == "uniform":
                values = self.rng.random(65536)
            else:
                values = dist.sample(self.rng, 65536)
            buf = self._buffers[dist] = values.tolist()
        return buf.pop()

    # -- events
    ARRIVE, FINISH, VISIBLE, SESSION, SWEEP = range(5)

    def at(self, when: float, kind: int, payload: Any) -> None:
        self._seq += 1
        heapq.heappush(self.events, (when, self._seq, kind, payload))

    def run(self) -> Result:
        self._plan_sessions()
        for schedule in self.t.schedules.values():
            for fired in self._fire_times(schedule.expression):
                self.at(fired, self.SWEEP, schedule)
        self.loop()
        return self.result()

    def loop(self) -> None:
        """Handle events in time order until none is left (what is queued drains)."""
        while self.events:
            now, _, kind, payload = heapq.heappop(self.events)
            if now > self.end + 2 * 3600 and kind in (self.SESSION, self.SWEEP):
                continue  # past the simulated days: only what is already queued drains
            if kind == self.SESSION:
                user, left = payload
                self._send_turn(now, user, left)
            elif kind == self.ARRIVE:
                self._enqueue(now, payload)
            elif kind == self.VISIBLE:
                queue, key = payload
                self.sqs[queue].release(key)
                self._dispatch(now, queue)
            elif kind == self.FINISH:
                self._finish(now, *payload)
            elif kind == self.SWEEP:
                self._sweep(now, payload)

    def result(self) -> Result:
        hourly = self.hourly_turns[: int(self.days * 24)]
        return Result(
            self.n, self.days, np.array(self.turn_waits), self.turns_expired,
            {k: np.array(v) for k, v in self.job_lags.items()}, self.reflections_outside,
            self.reflections_not_queued, self.dead, self.gb_s, self.requests,
            {k: (fifo, n) for k, (fifo, n) in self.sqs_requests.items()},
            float(hourly.max() / hourly.mean()) if hourly.size and hourly.mean() else 0.0,
            self.scheduler_invocations)

    # -- traffic
    def _plan_sessions(self) -> None:
        tr = self.traffic
        per_day = tr.messages_per_day / tr.session_messages
        weights = np.array(tr.diurnal, dtype=float)
        weights /= weights.sum()
        days = int(math.ceil(self.days))
        counts = self.rng.poisson(per_day * days, self.n)
        users = np.repeat(np.arange(self.n), counts)
        local_hour = self.rng.choice(24, size=users.size, p=weights)
        day = self.rng.integers(0, days, users.size)
        local = day * DAY + local_hour * 3600 + self.rng.random(users.size) * 3600
        utc = (local - self.offset_s[users]) % (days * DAY)
        lengths = self.rng.geometric(1 / tr.session_messages, users.size)
        for when, user, length in zip(utc.tolist(), users.tolist(), lengths.tolist()):
            if when < self.end:
                self.at(when, self.SESSION, (user, length))

    def _send_turn(self, now: float, user: int, left: int) -> None:
        self.gb_s += self.service.interactions_s * self.t.interactions_memory_mb / 1024
        self._count_request("InteractionsFunction")
        service = self.draw(self.service.turn_overhead) + self.draw(self.service.reply_model)
        service = min(service, self.budgets.turn_max_s)
        self.hourly_turns[min(int(now // 3600), len(self.hourly_turns) - 1)] += 1
        self.at(now, self.ARRIVE, Message("turn", user, now, now, service, session_left=left - 1))

    # -- queues and workers
    def _enqueue(self, now: float, message: Message) -> None:
        queue = self.t.routes[message.kind]
        self.sqs_requests[queue][1] += SQS_REQUESTS_PER_MESSAGE
        self.sqs[queue].put(message)
        self._dispatch(now, queue)

    def _dispatch(self, now: float, queue: str) -> None:
        consumer = self.t.consumers[queue]
        q = self.sqs[queue]
        while self.running[consumer.function] < consumer.max_concurrency:
            got = q.take(consumer.batch_size)
            if got is None:
                return
            key, batch = got
            self.running[consumer.function] += 1
            init = self._container(consumer.function, now)
            clock, spent, failed = now + init, init, []
            for message in batch:
                message.receives += 1
                self._started(clock, message)
                clock += message.service
                spent += message.service
                if spent > consumer.timeout_s:  # the invocation timed out: this and the rest fail
                    failed = batch[batch.index(message):]
                    spent = consumer.timeout_s
                    break
            self.gb_s += spent * consumer.memory_mb / 1024
            self._count_request(consumer.function)
            self.at(now + spent, self.FINISH, (queue, key, batch, failed, now))

    def _finish(self, now: float, queue: str, key: int, batch: list[Message], failed: list[Message],
                received: float) -> None:
        consumer = self.t.consumers[queue]
        self.running[consumer.function] -= 1
        self.idle[consumer.function].append(now)
        q = self.sqs[queue]
        retry = [m for m in failed if m.receives < q.queue.max_receives]
        self.dead += len(failed) - len(retry)
        if retry:
            # Visible again when the visibility timeout (from the receive) ends; the group waits.
            q.put_back(key, retry)
            self.at(max(now, received + q.queue.visibility_s), self.VISIBLE, (queue, key))
        else:
            q.release(key)
        for m in batch[:len(batch) - len(failed)]:
            self._done(now, m)
        self._dispatch(now, queue)

    def _container(self, function: str, now: float) -> float:
        """A warm container (used within KEEP_WARM_S), or a cold start."""
        idle = self.idle[function]
        while idle and now - idle[-1] > KEEP_WARM_S:
            idle.pop()  # the most recently used are at the end; older ones expired
        if idle:
            idle.pop()
            return 0.0
        return self.service.cold_start_s

    def _started(self, when: float, m: Message) -> None:
        if m.kind == "turn":
            wait = when - m.sent
            self.turn_waits.append(wait)
            if wait > self.budgets.turn_expires_after_s:
                self.turns_expired += 1
                m.service = 0.05  # remembered without calling the model
        else:
            self.job_lags.setdefault(m.kind, []).append(when - m.sent)
            if m.kind == "reflection":
                self.reflection_starts.append(when)
                local_min = ((when + self.offset_s[m.user]) % DAY) / 60
                if not (sched.NIGHT_START_MINUTE <= local_min < sched.NIGHT_END_MINUTE):
                    self.reflections_outside += 1

    def _done(self, now: float, m: Message) -> None:
        if m.kind != "turn":
            return
        self.last_turn[m.user] = now
        job = Message("new_memory", m.user, now, now, self._job_time("new_memory"))
        self.at(now, self.ARRIVE, job)
        if m.session_left > 0:
            self.at(now + self.draw("think"), self.SESSION, (m.user, m.session_left))

    def _job_time(self, kind: str) -> float:
        s = self.service
        if kind == "new_memory":
            t = self.draw(s.new_memory) + self.draw(s.fast_model)
        elif kind == "proactive":
            t = s.proactive
            if self.draw("uniform") < s.proactive_send_share:
                t += self.draw(s.reply_model) + s.discord_s
        else:
            t = self.draw(s.reflection)
        if self.budgets.job_deadlines:
            consumer = self.t.consumers[self.t.routes[kind]]
            t = min(t, self.budgets.job_caps[kind], consumer.timeout_s - 2.0)
        return t

    # -- schedules
    def _fire_times(self, expression: str):
        horizon = self.start + timedelta(seconds=self.end) - timedelta(microseconds=1)  # [start, end)
        for fired in sched.fire_times(expression, self.start - timedelta(seconds=1), horizon):
            yield (fired - self.start).total_seconds()

    def _sweep(self, now: float, schedule: Schedule) -> None:
        self.scheduler_invocations += 1
        self._count_request(schedule.function)
        if schedule.name == "proactive_sweep":
            users, due = self._proactive_due(now, schedule)
        elif schedule.name == "reflection_sweep":
            users, due = self._reflection_due(now, schedule)
        else:
            took = self.service.need_decay_s if schedule.name == "need_decay" else self.service.retention_purge_s
            self.gb_s += min(took, schedule.timeout_s) * schedule.memory_mb / 1024
            return
        kind = "proactive" if schedule.name == "proactive_sweep" else "reflection"
        query = self.service.sweep_query_s * max(1.0, len(users) / 1000)
        sent_at = now + query + np.arange(1, len(users) + 1) / self.service.fanout_per_s
        queued = sent_at <= now + schedule.timeout_s
        if kind == "reflection":
            self.reflections_not_queued += int((~queued).sum())
        took = min(float(sent_at[queued][-1] - now) if queued.any() else query, schedule.timeout_s)
        self.gb_s += took * schedule.memory_mb / 1024
        for user, when, d in zip(users[queued].tolist(), sent_at[queued].tolist(), due[queued].tolist()):
            self.at(when, self.ARRIVE, Message(kind, user, when, d, self._job_time(kind)))
            if kind == "reflection":
                self.slot_lateness.append(when - d)

    def _proactive_due(self, now: float, schedule: Schedule):
        period = sched.period(schedule.expression).total_seconds()
        local_hour = ((now + self.offset_s) % DAY) // 3600
        awake = (local_hour >= WAKING[0]) & (local_hour < WAKING[1])
        eligible = np.flatnonzero(awake & (now - self.last_turn >= 4 * 3600))
        waking_s = (WAKING[1] - WAKING[0]) * 3600
        expected = self.n * self.traffic.proactive_per_day * period / waking_s
        count = min(len(eligible), int(self.rng.poisson(expected * len(eligible) / max(1, self.n * awake.mean()))))
        users = self.rng.choice(eligible, size=count, replace=False) if count else np.zeros(0, dtype=int)
        return users, np.full(len(users), now)

    def _reflection_due(self, now: float, schedule: Schedule):
        active = np.arange(self.n)  # everyone writes every day in this model: all active in 7 days
        if sched.period(schedule.expression) >= timedelta(days=1):
            return active, np.full(len(active), now)  # a daily cron: every active user at once
        period = sched.period(schedule.expression).total_seconds()
        local = (now + self.offset_s[active]) % DAY
        slot = self.reflection_minute[active] * 60.0
        since_slot = (local - slot) % DAY  # seconds since the user's slot today (or yesterday's)
        due = since_slot < period
        users = active[due]
        return users, now - since_slot[due]

    def _count_request(self, function: str) -> None:
        self.requests[function] = self.requests.get(function, 0) + 1


def finish_requests(result: Result, topology: Topology) -> None:
    """Lambda's pollers long-poll every SQS event source, busy or idle."""
    for queue in topology.consumers:
        fifo, n = result.sqs_requests[queue]
        result.sqs_requests[queue] = (fifo, n + LAMBDA_POLLERS_REQUESTS_PER_DAY * result.days)


def simulate(topology: Topology, users: int, days: float = 1.0, **kwargs) -> Result:
    result = Simulation(topology, users, days, **kwargs).run()
    finish_requests(result, topology)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--env", default="prod", help="samconfig.toml environment whose parameters deploy")
    parser.add_argument("--template", type=Path, default=REPO / "template.yaml")
    parser.add_argument("--samconfig", type=Path, default=REPO / "samconfig.toml")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--single-zone", help="every user in this time zone (e.g. America/New_York)")
    parser.add_argument("--messages", type=float, default=Traffic.messages_per_day, help="messages per user a day")
    parser.add_argument("--session-messages", type=float, default=Traffic.session_messages)
    parser.add_argument("--think-s", type=float, default=Traffic.think_s)
    parser.add_argument("--proactive-per-day", type=float, default=Traffic.proactive_per_day)
    parser.add_argument("--reply-s", type=float, nargs=2, metavar=("MEDIAN", "P95"), default=(2.5, 6.0))
    parser.add_argument("--fast-model-s", type=float, nargs=2, metavar=("MEDIAN", "P95"), default=(0.35, 1.2))
    parser.add_argument("--reflection-s", type=float, nargs=2, metavar=("MEDIAN", "P95"), default=(4.0, 9.0))
    parser.add_argument("--cold-start-s", type=float, default=ServiceTimes.cold_start_s)
    parser.add_argument("--sweep-query-s", type=float, default=ServiceTimes.sweep_query_s)
    parser.add_argument("--fanout-per-s", type=float, default=ServiceTimes.fanout_per_s)
    parser.add_argument("--no-job-deadlines", action="store_true", help="jobs as before their deadlines")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="override a template parameter (e.g. WorkerMaxConcurrency=1000), after --env's")
    args = parser.parse_args(argv)

    parameters = deployment_parameters(args.samconfig, args.env) | dict(p.split("=", 1) for p in args.param)
    topology = read_topology(TemplateLoader.load(args.template), parameters)
    traffic = replace(Traffic(), messages_per_day=args.messages, session_messages=args.session_messages,
                      think_s=args.think_s, proactive_per_day=args.proactive_per_day)
    service = replace(ServiceTimes(), reply_model=LogNormal(*args.reply_s), fast_model=LogNormal(*args.fast_model_s),
                      reflection=LogNormal(*args.reflection_s), cold_start_s=args.cold_start_s,
                      sweep_query_s=args.sweep_query_s, fanout_per_s=args.fanout_per_s)
    budgets = Budgets.from_code(job_deadlines=not args.no_job_deadlines)
    print(f"topology ({args.env}{', ' + ', '.join(args.param) if args.param else ''}):")
    for queue, c in topology.consumers.items():
        q = topology.queues[queue]
        kinds = sorted(k for k, v in topology.routes.items() if v == queue)
        print(f"  {queue} ({'FIFO' if q.fifo else 'standard'}, visibility {q.visibility_s:.0f} s, "
              f"{q.max_receives} receives) -> {c.function}: batch {c.batch_size}, max concurrency "
              f"{c.max_concurrency}, timeout {c.timeout_s:.0f} s, {c.memory_mb} MB; carries {', '.join(kinds)}")
    for s in topology.schedules.values():
        print(f"  {s.expression} -> {s.function} (timeout {s.timeout_s:.0f} s)")
    result = simulate(topology, args.users, args.days, traffic=traffic, service=service, budgets=budgets,
                      seed=args.seed, single_zone=args.single_zone)
    summary = result.summary()
    print(f"turns {summary['turns']:,} ({summary['turns'] / args.days / DAY:.1f}/s on average, peak hour "
          f"{result.peak_to_mean:.2f}x the mean): wait p50 {summary['turn_wait_p50_s']} s, p99 "
          f"{summary['turn_wait_p99_s']} s, max {_pct(result.turn_waits, 100)} s; expired {result.turns_expired}")
    for kind, lags in sorted(result.job_lags.items()):
        print(f"{kind} jobs {len(lags):,}: lag p50 {_pct(lags, 50)} s, p99 {_pct(lags, 99)} s, max {_pct(lags, 100)} s")
    print(f"reflections outside their user's night: {result.reflections_outside_night}; never queued "
          f"(sweep timed out): {result.reflections_not_queued}; dead-lettered messages: {result.dead_lettered}")
    print(f"Lambda: {summary['lambda_gb_s_per_day']:,} GB-s a day; invocations "
          + ", ".join(f"{f} {n / args.days:,.0f}/day" for f, n in sorted(result.requests.items())))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
