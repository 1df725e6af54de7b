"""Recall and turn latency with many memories for one user, on the embedded engines.

    .venv/bin/python benchmarks/scale.py --memories N [--index postgres|qdrant]

Loads N memories for one user through MemoryService's write path (prepare -> insert -> index, in
batches of 500): the texts are LoCoMo dev turns (../shared/benchmarks, or generated sentences
without it), each copy dated on its own day; to keep 100k loadable on two cores, each distinct
text is embedded once by the real embedder and copies get that vector with a little noise
(renormalised), and importance is the offline heuristic. Then times 30 /companion turns through
the real handlers (signed interaction -> queue -> worker, offline reply model) and 30 searches
through MemoryService.search (the query embedding excluded), and prints one final JSON line.

turn_*: from the signed interaction until the worker's invocation for the turn returns (the
webhook, the queue and the whole turn: recall, reply, persist, the edit of the reply, indexing);
reply_*: until the reply reached Discord; memory_job_*: the after-reply conflict check, a job
the turn queues in the user's FIFO group and the worker runs in an invocation of its own.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
REPO = Path(__file__).resolve().parents[1]
LOCOMO = next((p / "shared" / "benchmarks" / "locomo" / "locomo-dev.json" for p in REPO.parents
               if (p / "shared" / "benchmarks" / "locomo" / "locomo-dev.json").exists()), None)
USER = "100000000000000042"
QUESTIONS = [
    "When did she go to the support group?", "What did you paint last May?", "my dog", "camping trip",
    "What book did I read?", "Where did we travel in 2022?", "How is your family?", "pottery class",
    "What instrument do I play?", "the concert last week",
]


def texts() -> list[tuple[str, str]]:
    if LOCOMO:
        data = json.loads(LOCOMO.read_text())
        return [(t["speaker"], t["text"]) for c in data for k, v in c["conversation"].items()
                if k.startswith("session_") and isinstance(v, list) for t in v]
    return [("Sam", f"Message {i} about my garden, my work and my family") for i in range(2000)]


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, required=True)
    parser.add_argument("--index", choices=("postgres", "qdrant"), default="postgres")
    parser.add_argument("--profile", metavar="PATH", help="write a cProfile of the timed turns to PATH")
    args = parser.parse_args(argv)

    from companion.domain.importance import heuristic_importance
    from companion.local.runtime import LocalRuntime

    pool = texts()
    rng = np.random.default_rng(0)
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    with tempfile.TemporaryDirectory() as tmp:
        rt = LocalRuntime(Path(tmp), qdrant_path=":memory:" if args.index == "qdrant" else None)
        memory = rt.container.memory
        rt.container.users.ensure_user(USER, "bench")
        loaded = time.perf_counter()
        base_vectors: dict[int, np.ndarray] = {}
        for offset in range(0, args.memories, 500):
            batch = range(offset, min(offset + 500, args.memories))
            missing = sorted({i % len(pool) for i in batch} - base_vectors.keys())
            if missing:
                from companion.domain.memory_text import indexed_text

                vectors = memory.embedder.embed(
                    [indexed_text(pool[j][1], author_name=pool[j][0], when=start) for j in missing])
                base_vectors.update(zip(missing, vectors))
            records = []
            for i in batch:
                speaker, text = pool[i % len(pool)]
                vector = base_vectors[i % len(pool)] + rng.normal(0, 0.01, memory.embedder.dim).astype(np.float32)
                vector /= np.linalg.norm(vector)
                records.append(memory.prepare(
                    USER, text, memory_id=str(uuid.uuid4()), now=start + timedelta(hours=i), vector=vector,
                    author_name=speaker, importance=heuristic_importance(text)))
            memory.memories.insert_memories(USER, records)
            memory.index(USER, records, start)
            print(f"loaded {batch.stop}", file=sys.stderr, end="\r")
        print(f"loaded {args.memories} memories in {time.perf_counter() - loaded:.0f} s", file=sys.stderr)

        # When the reply reaches Discord (the edit of the deferred message): what the user waits
        # for. The worker goes on after it (indexing, access records, the conflict check).
        replied_at: list[float] = []

        class TimedEdits(dict):
            def setdefault(self, key, default=None):
                replied_at.append(time.perf_counter())
                return super().setdefault(key, default)

        rt.sink.edits = TimedEdits()
        invocations: list[tuple[str, float]] = []  # (turn | job kind, when it returned)
        jobs_ms: list[float] = []
        worker = rt._worker_handler

        def timed_worker(event, context):
            started = time.perf_counter()
            result = worker(event, context)
            body = json.loads(event["Records"][0]["body"])
            invocations.append((body.get("job", "turn"), time.perf_counter()))
            if "job" in body:
                jobs_ms.append((invocations[-1][1] - started) * 1000)
            return result

        rt._worker_handler = timed_worker
        turns, replies = [], []
        profiler = None
        for i in range(31):
            if i == 1 and args.profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            message = pool[(i * 97) % len(pool)][1][:3900]
            replied_at.clear()
            invocations.clear()
            if i == 1:  # the first turn's job loads what the first turn did
                jobs_ms.clear()
            t = time.perf_counter()
            exchange = rt.send("companion", {"message": message}, user_id=USER, username="bench")
            if i:  # the first loads the embedder's session and the user's state
                turns.append((next(at for kind, at in invocations if kind == "turn") - t) * 1000)
                replies.append((replied_at[-1] - t) * 1000)
            assert exchange.replies, exchange
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        searches = []
        now = start + timedelta(hours=args.memories + 24)
        for i in range(30):
            question = QUESTIONS[i % len(QUESTIONS)]
            vector = memory.embedder.embed([question], kind="query")[0]
            t = time.perf_counter()
            found = memory.search(USER, question, k=5, now=now, query_vector=vector)
            searches.append((time.perf_counter() - t) * 1000)
            assert found
        memory.flush_access()
        count = rt.container.memory_repo.count_memories(USER)
        rt.close()
    print(f"{count} memories ({args.index}): /companion turn p50 {percentile(turns, .5):.0f} ms, "
          f"p95 {percentile(turns, .95):.0f} ms (reply sent after p50 {percentile(replies, .5):.0f} ms, "
          f"p95 {percentile(replies, .95):.0f} ms; then the new-memory job p50 "
          f"{percentile(jobs_ms, .5) if jobs_ms else 0:.0f} ms, p95 {percentile(jobs_ms, .95) if jobs_ms else 0:.0f} ms); search p50 {percentile(searches, .5):.1f} ms, "
          f"p95 {percentile(searches, .95):.1f} ms")
    print(json.dumps({"memories": args.memories, "index": args.index, "turn_p50_ms": round(percentile(turns, .5), 1),
                      "turn_p95_ms": round(percentile(turns, .95), 1),
                      "reply_p50_ms": round(percentile(replies, .5), 1),
                      "reply_p95_ms": round(percentile(replies, .95), 1),
                      "memory_job_p50_ms": round(percentile(jobs_ms, .5), 1) if jobs_ms else None,
                      "memory_job_p95_ms": round(percentile(jobs_ms, .95), 1) if jobs_ms else None,
                      "search_p50_ms": round(percentile(searches, .5), 1),
                      "search_p95_ms": round(percentile(searches, .95), 1)}))


if __name__ == "__main__":
    main()
