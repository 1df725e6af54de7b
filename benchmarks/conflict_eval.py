"""Contradiction detection, measured: the candidate threshold (cosine similarity on the embedder
in use) and the heuristic judge, on labelled statement pairs.

    .venv/bin/python benchmarks/conflict_eval.py [--data benchmarks/data/conflict_pairs.jsonl]

Each line is {"old", "new", "label" (1 = the newer statement contradicts the older), "split"
("dev" was looked at while writing the heuristic; "heldout" was not)}. Prints the similarity of
each pair, the candidate recall per threshold, the judge's precision/recall/false positives per
split, and one final JSON line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

from companion.adapters.onnx_embedder import OnnxMiniLMEmbedder
from companion.domain.conflicts import candidate_similarity, heuristic_verdict

DEFAULT = Path(__file__).parent / "data" / "conflict_pairs.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    args = parser.parse_args()
    pairs = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    embedder = OnnxMiniLMEmbedder()
    threshold = candidate_similarity(embedder.model_id)
    olds = embedder.embed([p["old"] for p in pairs])
    news = embedder.embed([p["new"] for p in pairs])
    sims = np.sum(olds * news, axis=1)
    print(f"{'sim':>5}  {'label':>5}  {'judged':>22}  pair")
    out: dict = {"embedder": embedder.model_id, "candidate_threshold": threshold}
    judged = []
    for p, s in zip(pairs, sims):
        v = heuristic_verdict(p["old"], p["new"])
        judged.append(v)
        shown = f"{v.conflict_type or '-'} {v.confidence:.2f}" if v.has_conflict else "-"
        print(f"{s:5.2f}  {p['label']:>5}  {shown:>22}  {p['old']!r} -> {p['new']!r}")
    contradictions = [s for p, s in zip(pairs, sims) if p["label"] == 1]
    consistent = [s for p, s in zip(pairs, sims) if p["label"] == 0]
    print(f"\ncontradiction pairs: similarity median {statistics.median(contradictions):.2f}, "
          f"min {min(contradictions):.2f}; consistent related pairs: median {statistics.median(consistent):.2f}")
    print("candidate recall (contradictions with similarity >= t):")
    for t in (0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8):
        r = sum(s >= t for s in contradictions) / len(contradictions)
        print(f"  t={t:.2f}: {r:.0%}")
        out[f"candidate_recall@{t}"] = round(r, 3)
    for split in ("dev", "heldout"):
        idx = [i for i, p in enumerate(pairs) if p["split"] == split]
        positives = [i for i in idx if pairs[i]["label"] == 1]
        negatives = [i for i in idx if pairs[i]["label"] == 0]
        # A pair counts as detected end to end only if it is a candidate and the judge flags it.
        found = [i for i in idx if judged[i].has_conflict and sims[i] >= threshold]
        tp = sum(pairs[i]["label"] == 1 for i in found)
        auto = [i for i in found if judged[i].resolve_automatically]
        stats = {
            "pairs": len(idx), "recall": round(tp / max(1, len(positives)), 3),
            "precision": round(tp / max(1, len(found)), 3),
            "false_positives": len(found) - tp, "negatives": len(negatives),
            "auto_resolved_wrongly": sum(pairs[i]["label"] == 0 for i in auto),
        }
        out[split] = stats
        print(f"{split}: {stats}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
