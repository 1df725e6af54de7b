"""Turn-level recall on LoCoMo through the product's own memory path.

    .venv/bin/python benchmarks/locomo_recall.py [--data PATH] [--conversations N] [--index postgres|qdrant]
                                                 [--through-index]

Starts the embedded engines in a temporary folder (PostgreSQL with pgvector; Qdrant local mode
with --index qdrant), writes every turn of every session through MemoryService's write path (one
user per conversation, the session's date as the clock, both speakers' turns stored: the first
speaker as the user, the second as the companion, each under their name, image captions
included), asks every QA question through MemoryService.search (k = 50) and reports the paper's
turn-level recall (the fraction of a question's evidence turns retrieved; a question without
valid evidence counts as 1) at 5/10/25/50, per category, and for the conversations used to tune
(the first four of the dev file) apart from the held-out rest. Ends with one JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

warnings.filterwarnings("ignore")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")

REPO = Path(__file__).resolve().parents[1]
# ../shared/benchmarks next to the checkout (or next to any parent folder, for worktrees).
DEFAULT_DATA = next((p / "shared" / "benchmarks" / "locomo" / "locomo-dev.json" for p in REPO.parents
                     if (p / "shared" / "benchmarks" / "locomo" / "locomo-dev.json").exists()),
                    REPO.parent / "shared" / "benchmarks" / "locomo" / "locomo-dev.json")
CUTOFFS = (5, 10, 25, 50)
TUNING_CONVERSATIONS = 4  # the first four dev conversations were used to tune; the rest are held out
NAMESPACE = uuid.UUID("0c6f1d0e-5b5a-4c57-9a43-7f0e3a1c2b99")


def session_time(text: str) -> datetime:
    """"1:56 pm on 8 May, 2023" -> an aware datetime (UTC)."""
    return datetime.strptime(text.strip(), "%I:%M %p on %d %B, %Y").replace(tzinfo=timezone.utc)


def sessions(conversation: dict):
    """(number, datetime, turns) of every session that has turns, in order."""
    out = []
    for key, turns in conversation.items():
        m = re.fullmatch(r"session_(\d+)", key)
        if m and isinstance(turns, list) and turns:
            out.append((int(m.group(1)), session_time(conversation[f"{key}_date_time"]), turns))
    return sorted(out, key=lambda s: s[0])


def evidence_ids(evidence, known: set[str]) -> list[str]:
    """Sanitised evidence: split "D8:6; D9:17", drop malformed ids and ids of no turn."""
    ids = []
    for item in evidence or []:
        for part in re.split(r"[;,\s]+", str(item)):
            if re.fullmatch(r"D\d+:\d+", part) and part in known:
                ids.append(part)
    return list(dict.fromkeys(ids))


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--conversations", type=int, default=None, help="only the first N conversations")
    parser.add_argument("--index", choices=("postgres", "qdrant"), default="postgres",
                        help="the search index (postgres: the embedded default)")
    parser.add_argument("--questions", type=int, default=None, help="only the first N questions of each")
    parser.add_argument("--user-turns-only", action="store_true",
                        help="store only the first speaker's turns (the user's): as a companion that does not "
                             "remember its own replies; compare the user-evidence subset with and without")
    parser.add_argument("--through-index", action="store_true",
                        help="search every user through PostgreSQL's HNSW index (binary codes, re-ranked), "
                             "not exactly: LoCoMo's users are below the size where the index takes over")
    args = parser.parse_args(argv)

    from companion.local.runtime import LocalRuntime

    if args.through_index:
        from companion.adapters.postgres import vectors

        vectors.APPROXIMATE_FROM = 0

    data = json.loads(Path(args.data).read_text())[: args.conversations]
    results = []  # (conversation index, category, {cutoff: recall}, evidence all the user's turns)
    write_ms, search_ms = [], []
    with tempfile.TemporaryDirectory() as tmp:
        runtime = LocalRuntime(Path(tmp), qdrant_path=":memory:" if args.index == "qdrant" else None)
        memory = runtime.container.memory
        try:
            for n, sample in enumerate(data):
                conversation = sample["conversation"]
                user_id = f"locomo-{n}-{sample.get('sample_id', n)}"
                first_speaker = conversation.get("speaker_a")
                runtime.container.users.ensure_user(user_id, first_speaker or "user")
                by_memory, known, last, said_by_user = {}, set(), None, set()
                for _, when, turns in sessions(conversation):
                    items, previous = [], None
                    for i, turn in enumerate(turns):
                        memory_id = str(uuid.uuid5(NAMESPACE, f"{user_id}:{turn['dia_id']}"))
                        known.add(turn["dia_id"])
                        is_user = turn["speaker"] == first_speaker
                        if is_user:
                            said_by_user.add(turn["dia_id"])
                        previous_text, previous = previous, turn["text"]
                        if args.user_turns_only and not is_user:
                            continue
                        by_memory[memory_id] = turn["dia_id"]
                        items.append({
                            "memory_id": memory_id, "content": turn["text"],
                            "now": when + timedelta(seconds=30 * i),
                            "author": "user" if is_user else "companion", "author_name": turn["speaker"],
                            "caption": turn.get("blip_caption"), "context": previous_text,
                        })
                    started = time.perf_counter()
                    memory.remember(user_id, items)
                    if items:
                        write_ms.append((time.perf_counter() - started) * 1000 / len(items))
                    last = when
                now = (last or datetime.now(timezone.utc)) + timedelta(days=1)
                for qa in sample["qa"][: args.questions]:
                    evidence = evidence_ids(qa.get("evidence"), known)
                    vector = memory.embedder.embed([qa["question"]], kind="query")[0]
                    started = time.perf_counter()
                    found = memory.search(user_id, qa["question"], k=max(CUTOFFS), now=now,
                                          query_vector=vector, record_access=False)
                    search_ms.append((time.perf_counter() - started) * 1000)
                    ranked = [by_memory.get(m.id) for m in found]
                    recall = {}
                    for cutoff in CUTOFFS:
                        got = set(ranked[:cutoff])
                        recall[cutoff] = 1.0 if not evidence else sum(e in got for e in evidence) / len(evidence)
                    results.append((n, str(qa.get("category")), recall,
                                    bool(evidence) and set(evidence) <= said_by_user))
                print(f"{sample.get('sample_id', n)}: {len(known)} turns, {len(sample['qa'])} questions, "
                      f"R@10 so far {100 * statistics.mean(r[10] for _, _, r, _ in results):.1f}", file=sys.stderr)
        finally:
            runtime.close()

    def summary(rows):
        return {f"R@{c}": round(100 * statistics.mean(r[c] for _, _, r, _ in rows), 1) if rows else 0.0
                for c in CUTOFFS}

    per_category = {}
    for category in sorted({c for _, c, _, _ in results}):
        rows = [x for x in results if x[1] == category]
        per_category[category] = {"questions": len(rows), **summary(rows)}
    overall = summary(results)
    tuning = [x for x in results if x[0] < TUNING_CONVERSATIONS]
    held_out = [x for x in results if x[0] >= TUNING_CONVERSATIONS]
    user_evidence = [x for x in results if x[3]]

    print(f"\nLoCoMo turn-level recall, {len(results)} questions, index: {args.index}")
    print(f"{'subset':<28}{'n':>6}" + "".join(f"{'R@' + str(c):>8}" for c in CUTOFFS))
    for name, rows in [("all", results), (f"tuning (conversations 1-{TUNING_CONVERSATIONS})", tuning),
                       ("held out (the rest)", held_out), ("evidence: user's turns only", user_evidence)] + [
            (f"category {c}", [x for x in results if x[1] == c]) for c in per_category]:
        if rows:
            s = summary(rows)
            print(f"{name:<28}{len(rows):>6}" + "".join(f"{s[f'R@{c}']:>8.1f}" for c in CUTOFFS))
    print(f"search (query embedding excluded): p50 {percentile(search_ms, .5):.1f} ms, "
          f"p95 {percentile(search_ms, .95):.1f} ms; write {statistics.mean(write_ms):.1f} ms per turn")
    print(json.dumps({
        "questions": len(results), **overall, "per_category": per_category,
        "held_out": {"questions": len(held_out), **summary(held_out)},
        "user_evidence": {"questions": len(user_evidence), **summary(user_evidence)},
        "stored": "user turns only" if args.user_turns_only else "both speakers",
        "dense_search": "index" if args.through_index else "exact below 1000 memories",
        "search_p50_ms": round(percentile(search_ms, .5), 1),
        "search_p95_ms": round(percentile(search_ms, .95), 1),
        "write_per_turn_ms": round(statistics.mean(write_ms), 1) if write_ms else 0.0,
    }))


if __name__ == "__main__":
    main()
