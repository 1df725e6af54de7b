"""Importance scoring, measured: does the offline scorer rank what a companion should keep
(self-disclosure, health, relationships, plans, strong emotion) above small talk?

    .venv/bin/python benchmarks/importance_eval.py [--split dev|heldout|all] [--scorer NAME ...]

Data: benchmarks/data/importance.jsonl, one message a line: {"text", "label" (the importance the
seed's prompt scale gives its category: small talk 0.08, routine 0.2, preference 0.45, plan 0.7,
self-disclosure 0.75, relationship 0.8, health and strong emotion 0.85), "category", "split"}.
"dev" rows were looked at while writing the scorers; "heldout" rows were written before any
scorer was scored on them and are scored once.

Scorers: ``heuristic`` (what a turn saves its memory with: words only, no model), ``offline``
(what the new-memory job scores with when there is no fast model: the categories the words
give, and the nearest labelled examples on the local embedder for what no category recognises), ``anchors`` (the nearest labelled examples alone: the
offline scorer before this benchmark), ``fast-model`` (the configured fast model with the seed's prompt;
needs GROQ_API_KEY).

Figures, per scorer: **AUC** (the chance that a random important message scores above a random
small-talk one; ties count half), the same against small talk and routine together, Spearman's
rank correlation with the labels over every message, the mean score per category, and the
issue's example ("Hi! I am Maya, I work as a nurse in Leeds" against small talk). One JSON line
per scorer at the end.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

DEFAULT = Path(__file__).parent / "data" / "importance.jsonl"
IMPORTANT = ("self_disclosure", "health", "relationship", "plan", "emotion")
MAYA = "Hi! I am Maya, I work as a nurse in Leeds"


def load(path: Path = DEFAULT) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def auc(high: list[float], low: list[float]) -> float:
    """P(score of a random `high` item > score of a random `low` item), ties half."""
    wins = sum((h > l) + 0.5 * (h == l) for h in high for l in low)
    return wins / max(1, len(high) * len(low))


def spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(values):
        order = sorted(range(len(values)), key=lambda i: values[i])
        out = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return out
    rx, ry = ranks(xs), ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sx = sum((a - mx) ** 2 for a in rx) ** 0.5
    sy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (sx * sy) if sx and sy else 0.0


def evaluate(rows: list[dict], score, name: str, show=print) -> dict:
    scores = [score(r["text"]) for r in rows]
    by_category: dict[str, list[float]] = {}
    for r, s in zip(rows, scores):
        by_category.setdefault(r["category"], []).append(s)
    important = [s for r, s in zip(rows, scores) if r["category"] in IMPORTANT]
    small_talk = by_category.get("small_talk", [])
    chatter = small_talk + by_category.get("routine", [])
    maya = score(MAYA)
    out = {
        "scorer": name, "messages": len(rows),
        "auc_important_vs_small_talk": round(auc(important, small_talk), 3),
        "auc_important_vs_small_talk_and_routine": round(auc(important, chatter), 3),
        "spearman": round(spearman(scores, [r["label"] for r in rows]), 3),
        "mean": {c: round(statistics.fmean(v), 3) for c, v in sorted(by_category.items())},
        "maya": round(maya, 3), "small_talk_max": round(max(small_talk), 3) if small_talk else None,
        "small_talk_above_maya": sum(s >= maya for s in small_talk),
    }
    show(f"\n== {name}")
    for r, s in sorted(zip(rows, scores), key=lambda x: -x[1]):
        show(f"  {s:.2f}  {r['category']:>15}  {r['text']}")
    return out


def scorers(names: list[str]):
    from companion.adapters.onnx_embedder import OnnxMiniLMEmbedder
    from companion.adapters.offline_models import OfflineImportanceScorer
    from companion.domain.importance import heuristic_importance

    embedder = OnnxMiniLMEmbedder()
    built = {}
    for name in names:
        if name == "heuristic":
            built[name] = heuristic_importance
        elif name == "offline":
            scorer = OfflineImportanceScorer(embedder)
            built[name] = lambda text, s=scorer: s.score(text, {})
        elif name == "anchors":
            built[name] = OfflineImportanceScorer(embedder).nearest_examples
        elif name == "fast-model":
            from companion.wiring import Container

            container = Container()
            if container.fast_model is None:
                raise SystemExit("--scorer fast-model needs GROQ_API_KEY")
            built[name] = lambda text, s=container.importance_scorer: s.score(text, {})
    return built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    parser.add_argument("--scorer", nargs="+", default=["heuristic", "offline", "anchors"],
                        choices=("heuristic", "offline", "anchors", "fast-model"))
    parser.add_argument("--quiet", action="store_true", help="figures only, not every message")
    args = parser.parse_args()
    rows = [r for r in load(args.data) if args.split == "all" or r["split"] == args.split]
    show = (lambda *a, **k: None) if args.quiet else print
    results = [evaluate(rows, score, name, show) for name, score in scorers(args.scorer).items()]
    print()
    for out in results:
        out["split"] = args.split
        print(f"{out['scorer']}: AUC {out['auc_important_vs_small_talk']:.3f} (with routine "
              f"{out['auc_important_vs_small_talk_and_routine']:.3f}), Spearman {out['spearman']:.3f}, "
              f"Maya {out['maya']:.2f} vs small talk max {out['small_talk_max']:.2f}; means {out['mean']}")
    for out in results:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
