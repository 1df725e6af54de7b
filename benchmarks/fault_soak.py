"""Fault soak: many turns by many users through the real handlers while the dependencies fail.

    .venv/bin/python benchmarks/fault_soak.py [--turns 200] [--users 20] [--seed 12]

Faults are injected at the real boundaries:
- the reply model is an OpenAI-compatible server on 127.0.0.1 (the production Chutes adapter
  talks to it) that answers, answers slowly, returns 503 or hangs, at random;
- Qdrant hangs for a stretch of the run: a server that accepts connections and never answers,
  reached through the real qdrant-client (a local-mode Qdrant serves the rest of the run);
- the database connection is dropped (pg_terminate_backend) before some turns and inside the
  write transaction of others;
- Discord answers 5xx, 429 (with retry_after) or drops the connection, at random.
Redeliveries model SQS: a turn reported failed comes back after the visibility timeout (the
breakers' clock is advanced by it). Checks at the end: every message stored exactly once, no
reply or memory duplicated, every turn answered (a reply, or the in-character "try again").
Prints figures and ends with one JSON line. tests/integration/test_fault_soak.py runs a bounded
version of the same soak.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

warnings.filterwarnings("ignore")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

VISIBILITY_TIMEOUT = 180.0  # template.yaml: a failed turn comes back after this many seconds
MESSAGES = [
    "I got a new puppy today!", "His name is Sparky.", "Work was exhausting, my boss yelled again.",
    "I'm learning to play the guitar.", "My sister Emma is visiting next week.", "I can't sleep lately.",
    "We went hiking on the coast.", "I finally finished my thesis!", "What do you remember about me?",
    "I'm allergic to peanuts.", "My favourite colour is teal.", "I miss my grandmother.",
]


class SwitchableVectorStore:
    """The real local-mode store, or a real client to a hung server, depending on the phase."""

    def __init__(self, healthy, hung):
        self.healthy, self.hung, self.is_hung = healthy, hung, False

    def __getattr__(self, name):
        return getattr(self.hung if self.is_hung else self.healthy, name)


def run_soak(data_dir: Path, *, turns: int = 200, users: int = 20, seed: int = 12, database_url: str | None = None,
             embedder=None, budget=None, qdrant_timeout: int = 1) -> dict:
    import psycopg
    from psycopg.rows import dict_row
    from qdrant_client import QdrantClient

    from companion.adapters.openai_chat import OpenAIChatReplyModel
    from companion.adapters.discord_rest import DiscordRestClient
    from companion.adapters.qdrant_store import QdrantVectorStore
    from companion.local.discord_sink import BASE_URL
    from companion.local.lambda_context import LocalLambdaContext
    from companion.local.runtime import LocalRuntime
    from companion.services.turn import OUTAGE_REPLY, TurnBudget
    from tests.fakes import FakeChatServer, FlakyDiscord, HungServer

    rng = random.Random(seed)
    faults: Counter = Counter()

    def reply_policy(body):
        roll = rng.random()
        action = "hang" if roll < 0.08 else "503" if roll < 0.18 else "slow" if roll < 0.28 else "ok"
        faults[f"reply {action}"] += 1
        return action

    def discord_policy(request):
        roll = rng.random()
        return "5xx" if roll < 0.10 else "429" if roll < 0.18 else "drop" if roll < 0.23 else "ok"

    chat, hung = FakeChatServer(reply_policy), HungServer()
    store = SwitchableVectorStore(
        QdrantVectorStore(QdrantClient(location=":memory:")),
        QdrantVectorStore(QdrantClient(url=hung.url, timeout=qdrant_timeout, check_compatibility=False)))
    model = OpenAIChatReplyModel(api_key="cpk_soak", primary_model="Qwen/primary", fallback_model="Qwen/fallback",
                             base_url=chat.base_url)
    overrides = {"reply_model": model, "vector_store": store}
    runtime = LocalRuntime(data_dir, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                           overrides=overrides)
    flaky = FlakyDiscord(runtime.sink, discord_policy)
    runtime.container.__dict__["discord"] = DiscordRestClient(BASE_URL, http_client=flaky.client(), backoff=0.02)
    turns_service = runtime.container.turns
    turns_service.budget = budget or TurnBudget(max_turn=4.0, finish_reserve=1.0, min_model_time=0.3)

    # SQS brings a failed turn back after the visibility timeout: the breakers see that much time pass.
    offset = [0.0]
    for breaker in runtime.container.breakers.values():
        breaker.clock = lambda: time.monotonic() + offset[0]
    worker = runtime._worker.handler
    deliveries = Counter()

    def worker_with_visibility(event, context):
        for r in event["Records"]:
            receives = int(r["attributes"]["ApproximateReceiveCount"])
            deliveries["redeliveries" if receives > 1 else "first deliveries"] += 1
            if receives > 1:
                offset[0] += VISIBILITY_TIMEOUT
        return worker(event, context)

    runtime._worker = type("W", (), {"handler": staticmethod(worker_with_visibility)})

    # Dropped connections: between turns, and inside the write transaction.
    db = runtime.container.database
    admin = psycopg.connect(db._conninfo if isinstance(db._conninfo, str) else db._conninfo(), autocommit=True,
                            row_factory=dict_row)

    def drop_connection():
        conn = db._conn
        if conn is not None and not conn.closed:
            admin.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
            faults["db drop"] += 1

    repo = runtime.container.interaction_repo
    real_insert = repo.insert_interaction
    drop_inside = [False]

    def insert(tx, **fields):
        row = real_insert(tx, **fields)
        if drop_inside[0]:
            drop_inside[0] = False
            admin.execute("SELECT pg_terminate_backend(%s)", (tx.info.backend_pid,))
            faults["db drop in transaction"] += 1
        return row

    repo.insert_interaction = insert

    user_ids = [f"soak-user-{i:02d}" for i in range(users)]
    hung_from, hung_to = int(turns * 0.3), int(turns * 0.5)
    sent, latencies, hung_latencies = [], [], []
    started = time.perf_counter()
    try:
        for i in range(turns):
            store.is_hung = hung_from <= i < hung_to
            if store.is_hung:
                faults["turns during qdrant hang"] += 1
            if rng.random() < 0.08:
                drop_connection()
            drop_inside[0] = rng.random() < 0.05
            user = rng.choice(user_ids)
            message = f"{rng.choice(MESSAGES)} (#{i})"
            payload = runtime.interaction("companion", {"message": message}, user, user)
            t0 = time.perf_counter()
            response = runtime._interactions.handler(runtime.signed_event(json.dumps(payload)), LocalLambdaContext())
            runtime.queue.drain(runtime._worker.handler, LocalLambdaContext())
            elapsed = time.perf_counter() - t0
            latencies.append(elapsed)
            if store.is_hung and i > hung_from + 2:
                hung_latencies.append(elapsed)
            sent.append((payload, response["statusCode"], message))
        wall = time.perf_counter() - started

        conn = admin  # the login role: the app role sees one scoped user at a time
        stored = Counter(r["interaction_key"] for r in conn.execute(
            "SELECT interaction_key FROM interactions WHERE user_id LIKE 'soak-user-%%'"))
        memories = conn.execute(
            "SELECT count(*) AS n, count(DISTINCT id) AS d FROM memories WHERE user_id LIKE 'soak-user-%%'").fetchone()
        outcome = Counter()
        for payload, status, _ in sent:
            edits = runtime.sink.edits.get(payload["token"], [])
            if status != 200:
                outcome["rejected at the webhook"] += 1
            elif not edits:
                outcome["no reply"] += 1
            elif len(set(edits)) > 1:
                outcome["different replies"] += 1
            elif edits[0] == OUTAGE_REPLY:
                outcome["try again (apology)"] += 1
            else:
                outcome["replied"] += 1
            outcome["resent same reply"] += len(edits) > 1
        result = {
            "turns": turns, "users": users,
            "stored_exactly_once": sum(1 for p, _, _ in sent if stored[p["id"]] == 1),
            "stored_twice_or_more": sum(1 for k in stored.values() if k > 1),
            "not_stored": sum(1 for p, _, _ in sent if stored[p["id"]] == 0),
            "memories": memories["n"], "duplicate_memories": memories["n"] - memories["d"],
            "replied": outcome["replied"], "apologised_try_again": outcome["try again (apology)"],
            "no_reply": outcome["no reply"], "different_replies": outcome["different replies"],
            "same_reply_resent": outcome["resent same reply"],
            "dead_lettered": len(runtime.queue.dead_letters),
            "deliveries": deliveries["first deliveries"], "redeliveries": deliveries["redeliveries"],
            "faults": dict(sorted(faults.items())), "discord_faults": dict(sorted(flaky.faults.items())),
            "qdrant_connections_while_hung": hung.accepted,
            "turn_s_p50": round(statistics.median(latencies), 3),
            "turn_s_p95": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))], 3),
            "turn_s_max": round(max(latencies), 3),
            "turn_s_p50_during_qdrant_hang": round(statistics.median(hung_latencies), 3) if hung_latencies else None,
            "wall_s": round(wall, 1),
        }
    finally:
        admin.close()
        chat.close()
        hung.close()
        runtime.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    import logging

    logging.disable(logging.CRITICAL)
    import os

    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    with tempfile.TemporaryDirectory() as tmp:
        result = run_soak(Path(tmp), turns=args.turns, users=args.users, seed=args.seed)
    for key, value in result.items():
        print(f"{key:>34}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
