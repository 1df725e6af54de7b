"""Prints latency and memory figures for the walking skeleton on this machine.

    .venv/bin/python benchmarks/bench_turns.py [--turns 40]

- interactions function: cold start (a fresh interpreter importing the handler and answering a
  PING) and warm latency of verify + defer + enqueue;
- turn worker on embedded engines (PostgreSQL, Qdrant local, ONNX MiniLM, offline reply model):
  end-to-end latency per /companion turn and per /memories search, with a LoCoMo conversation's
  turns (../shared/benchmarks) as the user's messages when present;
- peak resident memory of the process.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
REPO = Path(__file__).resolve().parents[1]
LOCOMO = REPO.parent / "shared" / "benchmarks" / "locomo" / "locomo-dev.json"


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def cold_start_ms() -> float:
    script = (
        "import time; t=time.perf_counter(); import json;"
        "from companion.local.functions import load_handler;"
        "h=load_handler('interactions');"
        "print((time.perf_counter()-t)*1000)"
    )
    runs = [float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                 env={"POWERTOOLS_METRICS_DISABLED": "true", "PATH": ""}).stdout.strip() or "nan")
            for _ in range(5)]
    return statistics.median(runs)


def messages(n: int) -> list[str]:
    if LOCOMO.exists():
        conversation = json.loads(LOCOMO.read_text())[0]["conversation"]
        speaker = conversation["speaker_a"]
        turns = [t["text"] for k, v in conversation.items() if k.startswith("session_") and isinstance(v, list)
                 for t in v if t["speaker"] == speaker]
        return turns[:n]
    return [f"Message number {i} about my day" for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=40)
    args = parser.parse_args()
    import os

    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    from companion.local.lambda_context import LocalLambdaContext
    from companion.local.runtime import LocalRuntime
    from companion.local.functions import load_handler

    print(f"interactions cold import (median of 5 fresh interpreters): {cold_start_ms():.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        rt = LocalRuntime(Path(tmp), qdrant_path=":memory:")
        print(f"local runtime start (embedded PostgreSQL init + migrations): {(time.perf_counter() - started):.1f} s")
        handler = load_handler("interactions").handler
        webhook = []
        for i in range(200):
            payload = rt.interaction("companion", {"message": f"hello {i}"}, "bench-webhook", "b")
            event = rt.signed_event(json.dumps(payload))
            t = time.perf_counter()
            handler(event, LocalLambdaContext())
            webhook.append((time.perf_counter() - t) * 1000)
        rt.queue._pending.clear()
        print(f"interactions warm (verify+defer+enqueue, n=200): p50 {pct(webhook, .5):.2f} ms, p99 {pct(webhook, .99):.2f} ms")

        turns, first = [], None
        for i, text in enumerate(messages(args.turns)):
            t = time.perf_counter()
            exchange = rt.send("companion", {"message": text[:3900]}, user_id="bench-user")
            elapsed = (time.perf_counter() - t) * 1000
            assert exchange.replies, exchange
            if i == 0:
                first = elapsed  # includes loading the embedder and creating the user
            else:
                turns.append(elapsed)
        print(f"/companion turn end to end (n={len(turns)}, after the first at {first:.0f} ms): "
              f"p50 {pct(turns, .5):.0f} ms, p95 {pct(turns, .95):.0f} ms")
        searches = []
        for query in ["family", "work", "painting", "travel plans", "how I feel", "friends"] * 3:
            t = time.perf_counter()
            rt.send("memories", {"query": query}, user_id="bench-user")
            searches.append((time.perf_counter() - t) * 1000)
        print(f"/memories end to end over {rt.container.memory_repo.count_memories('bench-user')} memories "
              f"(n={len(searches)}): p50 {pct(searches, .5):.0f} ms, p95 {pct(searches, .95):.0f} ms")
        rt.close()
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
