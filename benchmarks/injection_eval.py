"""Measures the injection screen on a labelled file.

    .venv/bin/python benchmarks/injection_eval.py --data FILE.jsonl [--stage local|full]

FILE.jsonl has one {"text": ..., "label": 0|1} per line (1 = attack; other keys ignored). A JSON
list of CyberSecEval cases (`user_input`, every one an attack) is read too. Each text goes through
the product's screen: `local` (default) is the no-network stage alone; `full` is the whole screen
as the worker runs it, with the fast LLM when GROQ_API_KEY is set (without it, the local verdict
stands and the figures equal `local`). Prints a table, then one final line of JSON:
{"n", "positives", "negatives", "recall", "fpr", "flagged_negatives", "p50_ms", "p95_ms"}.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path


def load(path: Path) -> list[tuple[str, int, str]]:
    """(text, label, group) rows; group is the row's `source`/`injection_variant`/`category`."""
    raw = path.read_text()
    if raw.lstrip().startswith("["):
        rows = []
        for case in json.loads(raw):
            text = case.get("text", case.get("user_input"))
            label = case.get("label", 1)
            rows.append((text, int(label), case.get("injection_variant") or case.get("category") or ""))
        return rows
    rows = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        if not isinstance(item.get("text"), str) or item.get("label") not in (0, 1):
            raise SystemExit(f"{path}:{number}: needs a string `text` and a `label` of 0 or 1")
        rows.append((item["text"], item["label"], item.get("category") or item.get("source") or ""))
    return rows


def build_screen(stage: str):
    from companion.domain.injection import screen_locally
    from companion.domain.security import LOCAL_FLAG

    if stage == "local":
        return lambda text: screen_locally(text).score >= LOCAL_FLAG
    from companion.config import Settings
    from companion.services.security import ThreatScreen, fast_model_for

    screen = ThreatScreen(fast_model_for(Settings.from_env()))
    return lambda text: screen.assess(text).flagged


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--stage", choices=("local", "full"), default="local")
    parser.add_argument("--show", type=int, default=10, help="print up to this many misses of each kind")
    args = parser.parse_args(argv)

    rows = load(args.data)
    flag = build_screen(args.stage)
    flag("warm-up")  # compile patterns and load once, outside the timings
    timings, outcomes = [], []
    for text, label, group in rows:
        started = time.perf_counter()
        flagged = bool(flag(text))
        timings.append((time.perf_counter() - started) * 1000)
        outcomes.append((text, label, group, flagged))

    positives = sum(1 for o in outcomes if o[1] == 1)
    negatives = len(outcomes) - positives
    caught = sum(1 for o in outcomes if o[1] == 1 and o[3])
    flagged_negatives = sum(1 for o in outcomes if o[1] == 0 and o[3])

    print(f"{args.data.name}  stage={args.stage}  n={len(outcomes)}")
    print(f"{'group':<34} {'n':>5} {'attacks':>8} {'caught':>7} {'benign':>7} {'flagged':>8}")
    groups = Counter(o[2] for o in outcomes)
    for group, n in sorted(groups.items()):
        members = [o for o in outcomes if o[2] == group]
        print(f"{(group or '-')[:34]:<34} {n:>5} {sum(o[1] for o in members):>8} "
              f"{sum(o[1] and o[3] for o in members):>7} {sum(not o[1] for o in members):>7} "
              f"{sum((not o[1]) and o[3] for o in members):>8}")
    for title, wanted in (("missed attacks", (1, False)), ("flagged benign", (0, True))):
        misses = [o for o in outcomes if (o[1], o[3]) == wanted]
        if misses and args.show:
            print(f"-- {title} ({len(misses)}):")
            for o in misses[: args.show]:
                print("   ", o[0][:110].replace("\n", " "))
    result = {
        "n": len(outcomes),
        "positives": positives,
        "negatives": negatives,
        "recall": round(caught / positives, 4) if positives else None,
        "fpr": round(flagged_negatives / negatives, 4) if negatives else None,
        "flagged_negatives": flagged_negatives,
        "p50_ms": round(statistics.median(timings), 3) if timings else None,
        "p95_ms": round(percentile(timings, 0.95), 3) if timings else None,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
