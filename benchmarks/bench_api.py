"""Prints latency figures of the REST API (functions/api) on this machine, ending with one JSON line.

    .venv/bin/python benchmarks/bench_api.py [--requests 40]

- cold start: a fresh interpreter importing functions/api/app.py (FastAPI app + Mangum) as
  Lambda does, median of 5;
- warm latency through the real handler (API Gateway HTTP API events -> Mangum -> FastAPI ->
  services) on embedded engines (PostgreSQL, Qdrant local, ONNX MiniLM, offline reply model):
  GET /health, POST /chat/message (a whole turn), POST /memory/search, GET /memory/episodic,
  GET /admin/stats, and a replayed POST /chat/message (same Idempotency-Key);
- the auth overhead: a request refused 401 (key lookup + constant-time compare).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "events"))


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def cold_start_ms() -> float:
    script = ("import time; t=time.perf_counter();"
              "from companion.local.functions import load_handler; load_handler('api');"
              "print((time.perf_counter()-t)*1000)")
    runs = [float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                 env={"POWERTOOLS_METRICS_DISABLED": "true", "PATH": ""}).stdout.strip() or "nan")
            for _ in range(5)]
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    import os

    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    from generate import api_event

    from companion.local.functions import load_handler
    from companion.local.lambda_context import LocalLambdaContext
    from companion.local.runtime import LocalRuntime

    cold = cold_start_ms()
    with tempfile.TemporaryDirectory() as tmp:
        runtime = LocalRuntime(Path(tmp), qdrant_path=":memory:")
        handler = load_handler("api").handler
        ctx = LocalLambdaContext()
        admin = runtime.container.api_keys.create("admin")[1]
        user = "100000000000000001"

        def timed(event):
            started = time.perf_counter()
            response = handler(event, ctx)
            elapsed = (time.perf_counter() - started) * 1000
            assert response["statusCode"] in (200, 401), response
            return elapsed

        figures: dict[str, list[float]] = {k: [] for k in ("health", "chat", "replay", "search", "episodic",
                                                               "stats", "refused")}
        for i in range(args.requests):
            body = {"user_id": user, "message": f"Message {i}: today I walked my dog and read about gardens."}
            figures["chat"].append(timed(api_event("POST", "/chat/message", key=admin, body=body,
                                                   headers={"idempotency-key": f"bench-{i}"})))
            figures["replay"].append(timed(api_event("POST", "/chat/message", key=admin, body=body,
                                                     headers={"idempotency-key": f"bench-{i}"})))
            figures["health"].append(timed(api_event("GET", "/health")))
            figures["search"].append(timed(api_event("POST", "/memory/search", key=admin,
                                                     body={"user_id": user, "query": "dog walks", "k": 5})))
            figures["episodic"].append(timed(api_event("GET", f"/memory/episodic/{user}", key=admin)))
            figures["stats"].append(timed(api_event("GET", "/admin/stats", key=admin)))
            figures["refused"].append(timed(api_event("GET", "/admin/stats", key="cmp_000000000000_" + "x" * 43)))
        runtime.close()

    print(f"REST API on embedded engines, {args.requests} requests per route (ms):")
    print(f"  cold import of functions/api/app.py (median of 5): {cold:.0f}")
    result = {"cold_import_ms": round(cold, 1)}
    for name, values in figures.items():
        p50, p95 = pct(values, 0.5), pct(values, 0.95)
        print(f"  {name:<9} p50 {p50:7.1f}   p95 {p95:7.1f}")
        result[f"{name}_p50_ms"], result[f"{name}_p95_ms"] = round(p50, 1), round(p95, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
