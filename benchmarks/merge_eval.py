"""Near-duplicate merge, measured: which repeated statements are merged at each similarity
threshold, with and without the guards of ``domain.merges.adds_nothing``.

    .venv/bin/python benchmarks/merge_eval.py [--split dev|heldout|all]

Data: benchmarks/data/duplicate_pairs.jsonl, {"old", "new", "label" (1 = the new statement only
repeats the old one: merging loses nothing), "split"}. The negatives are the dangerous ones: the
same sentence with another number, name, place, feeling or tense, or one more detail. "dev" was
looked at while writing the guards; "heldout" was written before they were first scored on it.

Prints, per threshold, the merges made, wrong merges (a negative merged: information lost) and
the share of repeats merged, then the threshold `make calibrate` chooses (``companion.local.calibrate.choose_merge_threshold``: the
lowest with no wrong merge on dev, guards on, and at least 3 in 4 of the pairs above it true
repeats by similarity alone, so the threshold still means "says the same") and one JSON line.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from companion.domain.merges import merge_similarity
from companion.local.calibrate import choose_merge_threshold as choose_threshold, merge_sweep as sweep

DEFAULT = Path(__file__).parent / "data" / "duplicate_pairs.jsonl"


def load(path: Path = DEFAULT) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def similarities(pairs: list[dict], embedder) -> np.ndarray:
    olds = np.asarray(embedder.embed([p["old"] for p in pairs], kind="document"))
    news = np.asarray(embedder.embed([p["new"] for p in pairs], kind="document"))
    return np.sum(olds * news, axis=1)


def evaluate(pairs: list[dict], embedder, show=print) -> dict:
    sims = similarities(pairs, embedder)
    out: dict = {"embedder": embedder.model_id, "configured_threshold": merge_similarity(embedder.model_id)}
    for split in ("dev", "heldout"):
        chosen = [i for i, p in enumerate(pairs) if p["split"] == split]
        if not chosen:
            continue
        rows = sweep([pairs[i] for i in chosen], sims[chosen])
        show(f"\n{split}: {len(chosen)} pairs ({sum(pairs[i]['label'] for i in chosen)} repeats)")
        show(f"{'t':>6} {'above':>6} {'prec(sim)':>9} {'merged':>7} {'wrong':>6} {'repeats merged':>15}")
        for row in rows:
            prec = "-" if row["precision_by_similarity"] is None else f"{row['precision_by_similarity']:.2f}"
            show(f"{row['threshold']:6.3f} {row['above']:6d} {prec:>9} {row['merged']:7d} {row['wrong_merges']:6d} "
                 f"{row['repeats_merged']:15.0%}")
        out[split] = {"pairs": len(chosen), "sweep": rows}
    if "dev" in out:
        out["chosen_threshold"] = choose_threshold(out["dev"]["sweep"])
        for split in ("dev", "heldout"):
            if split in out:
                at = next(r for r in out[split]["sweep"] if r["threshold"] == out["chosen_threshold"])
                out[split]["at_chosen"] = {k: at[k] for k in ("merged", "wrong_merges", "repeats_merged")}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    args = parser.parse_args()
    from companion.adapters.onnx_embedder import OnnxMiniLMEmbedder

    pairs = [p for p in load(args.data) if args.split == "all" or p["split"] == args.split
             or (args.split == "heldout" and p["split"] == "dev")]
    out = evaluate(pairs, OnnxMiniLMEmbedder())
    for split in ("dev", "heldout"):
        if split in out:
            out[split].pop("sweep")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
