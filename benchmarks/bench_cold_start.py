"""Cold starts of every Lambda handler with the production wiring, the network faked.

    .venv/bin/python benchmarks/bench_cold_start.py [--runs 3]
    BENCH_PROFILE=turn_worker ... writes where the first invocation's time goes to bench-profile.txt

Each run is a fresh interpreter that imports functions/<name>/app.py and answers its first event,
configured as in AWS: the app secret read from Secrets Manager, the turn queue on SQS (both
answered over HTTP by a local stand-in, via AWS_ENDPOINT_URL, in their JSON protocol), Chutes, Groq and Gemini
configured with keys and reached over HTTP at a local stand-in (their recorded wire shapes), the
Discord API likewise, PostgreSQL embedded. Qdrant runs in local in-memory mode (the client and
its imports are the same; only the remote round trips are missing).

Reported per function: cold import (module load: what Lambda's init phase runs; the children run
with AWS_LAMBDA_FUNCTION_NAME set, so the worker builds its container there as in Lambda),
first invocation (what is left to build, connections, then the work), and a warm second
invocation. ``BENCH_IMPORTTIME=1`` also writes ``python -X importtime`` of each child to
bench-importtime-<function>.txt. Lambda adds its own init (sandbox + runtime start, ~100-250 ms for python3.12 on
arm64, more when the package is large) before the import; the budget for the interactions function
is Discord's 3 s for its first answer, so cold import + first invocation must stay under 1 s to
leave that margin. Ends with one JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "unit" / "adapters" / "fixtures"
DISCORD_EPOCH_MS = 1420070400000
INTERACTIONS_BUDGET_MS = 1000  # of Discord's 3000: Lambda's own init and the network take the rest


class FakeProviders(BaseHTTPRequestHandler):
    """Secrets Manager, SQS, Chutes, Groq, Gemini and Discord at one local address, answering in
    their wire shapes."""

    secret: dict = {}

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        request = json.loads(raw or b"{}")
        target = self.headers.get("x-amz-target", "")
        if target == "secretsmanager.GetSecretValue":
            return self._answer(200, {"ARN": request["SecretId"], "Name": "companion-app", "VersionId": "v1",
                                      "SecretString": json.dumps(self.secret), "CreatedDate": time.time()})
        if target == "AmazonSQS.SendMessage":
            import hashlib

            return self._answer(200, {"MessageId": "m-1", "SequenceNumber": "1",
                                      "MD5OfMessageBody": hashlib.md5(request["MessageBody"].encode()).hexdigest()})
        if self.path.endswith(":batchEmbedContents"):
            import numpy as np

            rng = np.random.default_rng(len(request["requests"]))
            vectors = rng.normal(size=(len(request["requests"]), 1536))
            return self._answer(200, {"embeddings": [{"values": v.tolist()} for v in vectors]})
        if self.path.startswith("/openai/v1/chat/completions"):  # Groq
            return self._answer(200, json.loads((FIXTURES / "groq_chat_completion.json").read_text()))
        if self.path.endswith("/chat/completions"):  # Chutes
            answer = json.loads((FIXTURES / "chutes_chat_completion.json").read_text())
            answer["model"] = request.get("model", answer.get("model"))
            return self._answer(200, answer)
        return self._answer(200, {"id": "1"})  # Discord

    do_PATCH = do_POST

    def log_message(self, *args):
        pass


def serve(handler) -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


_sequence = iter(range(1 << 22))


def snowflake_now() -> str:
    """A Discord id minted now (distinct per call: the worker deduplicates by interaction id)."""
    return str(((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) + next(_sequence))


def events(signing_key) -> dict[str, list[dict]]:
    sys.path.insert(0, str(REPO / "events"))
    import generate

    def signed(body: dict) -> dict:
        event = generate.http_api_event(body)
        now = str(int(time.time()))
        event["headers"]["x-signature-timestamp"] = now
        event["headers"]["x-signature-ed25519"] = signing_key.sign(now.encode() + event["body"].encode()).signature.hex()
        return event

    ping = {"id": snowflake_now(), "application_id": generate.APPLICATION_ID, "type": 1, "token": "t", "version": 1}
    first = generate.command(snowflake_now(), "companion", {"message": "I got a new puppy today!"})
    second = generate.command(snowflake_now(), "companion", {"message": "His name is Sparky."})
    return {
        "interactions": [signed(ping), signed(first)],
        "turn_worker": [{"Records": [generate.sqs_record(generate.turn(first), 1)]},
                        {"Records": [generate.sqs_record(generate.turn(second), 2)]}],
        "migrate": [{"action": "migrate"}, {"action": "migrate"}],
    }


def child(function: str, events_file: str) -> None:
    """Runs in a fresh interpreter: import the handler, then invoke it twice."""
    started = time.perf_counter()
    sys.path.insert(0, str(REPO / "layers" / "common"))
    from companion.local.functions import load_handler

    handler = load_handler(function).handler
    imported = time.perf_counter()
    from companion.local.lambda_context import LocalLambdaContext

    timings = []
    profile = None
    if os.environ.get("BENCH_PROFILE") == function:  # where the first invocation's time goes
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    for event in json.loads(Path(events_file).read_text())[function]:
        t = time.perf_counter()
        answer = handler(event, LocalLambdaContext())
        timings.append((time.perf_counter() - t) * 1000)
        if function == "interactions":
            assert answer["statusCode"] == 200, answer
        if function == "turn_worker":
            assert answer == {"batchItemFailures": []}, answer
        if profile is not None:
            profile.disable()
            import pstats

            with open(os.environ.get("BENCH_PROFILE_OUT", "bench-profile.txt"), "w") as out:
                pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
            profile = None
    print(json.dumps({"import_ms": (imported - started) * 1000, "first_ms": timings[0], "second_ms": timings[1]}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("FUNCTION", "EVENTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)

    import warnings

    warnings.filterwarnings("ignore")
    from nacl.signing import SigningKey

    sys.path.insert(0, str(REPO / "layers" / "common"))
    from companion.local.runtime import create_database_once, start_postgres

    work = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    server, _, _ = start_postgres(work / "postgres")
    fake = serve(FakeProviders)
    key = SigningKey.generate()
    FakeProviders.secret = {
        "DISCORD_BOT_TOKEN": "bot-token",
        "CHUTES_API_KEY": "cpk_bench", "GROQ_API_KEY": "gsk_bench", "GEMINI_API_KEY": "AIza-bench", "QDRANT_API_KEY": ""}
    env = {
        "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_ENDPOINT_URL": fake, "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "APP_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:companion-app",
        "TURN_QUEUE_URL": f"{fake}/123456789012/turns.fifo",
        "POWERTOOLS_SERVICE_NAME": "companion", "POWERTOOLS_METRICS_NAMESPACE": "Companion", "LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
        "REPLY_BASE_URL": f"{fake}/v1", "GROQ_BASE_URL": fake, "GOOGLE_GEMINI_BASE_URL": fake,
        "DISCORD_API_BASE": f"{fake}/api/v10", "DISCORD_APPLICATION_ID": "1300000000000000000",
        "EMBEDDINGS": "gemini", "QDRANT_PATH": ":memory:", "MIGRATIONS_DIR": str(REPO / "migrations"),
        "DISCORD_PUBLIC_KEY": key.verify_key.encode().hex(),  # a plain parameter, not a secret
        "AWS_LAMBDA_FUNCTION_NAME": "bench",  # as in Lambda: the worker warms up in its init phase
        "BENCH_PROFILE": os.environ.get("BENCH_PROFILE", ""),
        "BENCH_PROFILE_OUT": os.environ.get("BENCH_PROFILE_OUT", str(Path.cwd() / "bench-profile.txt")),
    }

    results: dict[str, dict] = {}
    try:
        for function in ("interactions", "turn_worker", "migrate"):
            runs = []
            for run in range(args.runs):
                database = f"bench_{function}_{run}"
                create_database_once(server.get_uri(), database)
                if function == "turn_worker":
                    from companion.adapters.migrations import apply_migrations

                    apply_migrations(server.get_uri(database), REPO / "migrations")
                events_file = work / f"events-{function}-{run}.json"
                events_file.write_text(json.dumps(events(key)))
                importtime = ["-X", "importtime"] if os.environ.get("BENCH_IMPORTTIME") and run == 0 else []
                done = subprocess.run([sys.executable, *importtime, __file__, "--child", function, str(events_file)],
                                      capture_output=True, text=True, timeout=300,
                                      env=env | {"DATABASE_URL": server.get_uri(database)})
                if importtime:
                    Path(f"bench-importtime-{function}.txt").write_text(done.stderr)
                if done.returncode != 0:
                    raise SystemExit(f"{function} failed:\n{done.stderr[-3000:]}")
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            med = {k: round(statistics.median(r[k] for r in runs)) for k in runs[0]}
            med["cold_total_ms"] = med["import_ms"] + med["first_ms"]
            results[function] = med
    finally:
        server.cleanup()

    print(f"{'function':<14}{'cold import':>12}{'1st invoke':>12}{'cold total':>12}{'warm':>8}   (ms, median of {args.runs})")
    for function, r in results.items():
        print(f"{function:<14}{r['import_ms']:>12}{r['first_ms']:>12}{r['cold_total_ms']:>12}{r['second_ms']:>8}")
    ok = results["interactions"]["cold_total_ms"] <= INTERACTIONS_BUDGET_MS
    print(f"interactions cold total {results['interactions']['cold_total_ms']} ms vs budget {INTERACTIONS_BUDGET_MS} ms "
          f"(Discord allows 3000 ms): {'within' if ok else 'OVER'}")
    print(json.dumps({"cold_start_ms": results, "interactions_budget_ms": INTERACTIONS_BUDGET_MS,
                      "interactions_within_budget": ok}))


if __name__ == "__main__":
    main()
