"""Measures the injection screen on a labelled file.

    .venv/bin/python benchmarks/injection_eval.py --data FILE.jsonl [--stage local|full]
                                                  [--split all|dev|heldout] [--direct]

FILE.jsonl has one {"text": ..., "label": 0|1} per line (1 = attack; other keys ignored, except
`split` and `category`). A JSON list of CyberSecEval cases (`user_input`, every one an attack) is
read too. Each text goes through the product's screen: `local` (default) is the no-network stage
alone; `full` is the whole screen as the worker runs it, the uncertain band put to the configured
fast LLM (Groq). `full` needs GROQ_API_KEY: without it the worker's screen *is* the local stage,
so the script says so and stops rather than print local figures under the `full` name.

Held-out rows (tuning never looks at them): a row's own `split` when it has one, otherwise the
rows whose text hashes (sha256, first 32 bits) to 0 modulo 3 -- about a third of any file, fixed
in advance. Misses are printed for dev rows only, so a held-out figure stays a held-out figure.

Direct attacks (`--direct`), the rule fixed before tuning: a CyberSecEval case counts as a direct
attack of the kind Tensor Trust collects when `injection_type` is "direct" and `injection_variant`
is "ignore_previous_instructions" or "system_mode" (the two techniques that override the
instructions or claim a new role/mode in the message itself); in our own files, rows whose
`category` starts with "direct/". Everything else in CyberSecEval (persuasion, virtualization,
payload splitting, questions that are attacks only against its own system prompts, indirect
injections) counts in the overall figure.

Prints a table, then one final line of JSON:
{"n", "positives", "negatives", "recall", "fpr", "flagged_negatives", "p50_ms", "p95_ms"}
(`full` adds "escalated" and "llm_answered").
"""
from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

DIRECT_VARIANTS = ("ignore_previous_instructions", "system_mode")


@dataclass(frozen=True)
class Row:
    text: str
    label: int
    group: str
    split: str  # "dev" | "heldout"
    direct: bool


def hashed_split(text: str) -> str:
    return "heldout" if int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 3 == 0 else "dev"


def load(path: Path) -> list[Row]:
    raw = path.read_text()
    if raw.lstrip().startswith("["):
        rows = []
        for case in json.loads(raw):
            text = case.get("text", case.get("user_input"))
            variant = case.get("injection_variant") or ""
            direct = case.get("injection_type") == "direct" and variant in DIRECT_VARIANTS
            group = f"{case.get('injection_type', '')}/{variant}" if variant else case.get("category") or ""
            rows.append(Row(text, int(case.get("label", 1)), group, case.get("split") or hashed_split(text), direct))
        return rows
    rows = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        if not isinstance(item.get("text"), str) or item.get("label") not in (0, 1):
            raise SystemExit(f"{path}:{number}: needs a string `text` and a `label` of 0 or 1")
        group = item.get("category") or item.get("source") or ""
        split = item.get("split") or hashed_split(item["text"])
        rows.append(Row(item["text"], item["label"], group, split, group.startswith("direct/")))
    return rows


def build_screen(stage: str, fast_model=None):
    """A callable text -> Assessment: the worker's screen, with no fast LLM for ``local`` (the
    patterns and the learned model, no network)."""
    from companion.adapters.threat_screen import TwoStageThreatScreen

    return TwoStageThreatScreen(fast_model if stage == "full" else None).assess


def configured_fast_model():
    """The worker's security model, or a clear stop when none is configured."""
    from companion.config import Settings
    from companion.adapters.threat_screen import security_model

    model = security_model(Settings.from_env())
    if model is None:
        raise SystemExit(
            "--stage full needs the fast LLM: GROQ_API_KEY is not set, so the worker's screen would be the "
            "local stage alone (run --stage local for those figures). Set GROQ_API_KEY (and optionally "
            "SECURITY_LLM_MODEL) to measure the two-stage screen.")
    return model


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None, *, fast_model=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--stage", choices=("local", "full"), default="local")
    parser.add_argument("--split", choices=("all", "dev", "heldout"), default="all")
    parser.add_argument("--direct", action="store_true", help="only the direct attacks (rule in this docstring)")
    parser.add_argument("--show", type=int, default=10, help="print up to this many dev misses of each kind")
    args = parser.parse_args(argv)

    rows = [r for r in load(args.data)
            if (args.split == "all" or r.split == args.split) and (r.direct or not args.direct)]
    if args.stage == "full" and fast_model is None:
        fast_model = configured_fast_model()
    assess = build_screen(args.stage, fast_model)
    assess("warm-up")  # compile patterns and load once, outside the timings
    timings, outcomes = [], []
    for row in rows:
        started = time.perf_counter()
        verdict = assess(row.text)
        timings.append((time.perf_counter() - started) * 1000)
        outcomes.append((row, verdict))

    def count(pick) -> int:
        return sum(1 for row, verdict in outcomes if pick(row, verdict))

    positives = count(lambda r, v: r.label == 1)
    negatives = len(outcomes) - positives
    caught = count(lambda r, v: r.label == 1 and v.flagged)
    flagged_negatives = count(lambda r, v: r.label == 0 and v.flagged)

    print(f"{args.data.name}  stage={args.stage}  split={args.split}{'  direct only' if args.direct else ''}  "
          f"n={len(outcomes)}")
    print(f"{'group':<44} {'split':<8} {'n':>5} {'attacks':>8} {'caught':>7} {'benign':>7} {'flagged':>8}")
    for (group, split), n in sorted(Counter((r.group, r.split) for r, _ in outcomes).items()):
        members = [(r, v) for r, v in outcomes if (r.group, r.split) == (group, split)]
        print(f"{(group or '-')[:44]:<44} {split:<8} {n:>5} {sum(r.label for r, _ in members):>8} "
              f"{sum(r.label == 1 and v.flagged for r, v in members):>7} {sum(r.label == 0 for r, _ in members):>7} "
              f"{sum(r.label == 0 and v.flagged for r, v in members):>8}")
    for title, wanted in (("missed attacks", (1, False)), ("flagged benign", (0, True))):
        misses = [(r, v) for r, v in outcomes if (r.label, v.flagged) == wanted and r.split == "dev"]
        if misses and args.show:
            print(f"-- dev {title} ({len(misses)}; held-out ones are not shown):")
            for r, v in misses[: args.show]:
                print(f"   {v.local_score:.2f} {r.text[:110]!r}")
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
    if args.stage == "full":
        from companion.domain.security import LOCAL_CERTAIN, LOCAL_CLEAR

        result["escalated"] = count(lambda r, v: LOCAL_CLEAR <= v.local_score < LOCAL_CERTAIN)
        result["llm_answered"] = count(lambda r, v: v.method == "groq_analysis")
        if result["llm_answered"] < result["escalated"]:
            print(f"!! the fast LLM did not answer {result['escalated'] - result['llm_answered']} of "
                  f"{result['escalated']} uncertain messages: the local verdict stood for those", file=sys.stderr)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
