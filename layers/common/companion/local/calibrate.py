"""`make calibrate`: measure the similarity thresholds on the embedder (and fast model) this
deployment is configured with, and print the values to put in its configuration.

    make calibrate                      # the configured providers (GEMINI_API_KEY, GROQ_API_KEY...)
    make calibrate ARGS="--json"        # the JSON line only

Every threshold below depends on the embedder: two embedders put the same pair of sentences at
different cosines (MiniLM scores a moved city 0.17-0.49, the seed assumed 0.8 for contradictions).
Each is measured on the project's labelled sets (``benchmarks/data/``), chosen on their dev rows
by the rule written next to it, and checked on their held-out rows:

- **conflict candidate** (CONFLICT_CANDIDATE_SIMILARITY): a stored memory at least this similar to
  a new one is judged for a contradiction. The highest threshold at which similarity alone keeps
  CANDIDATE_RECALL of the dev contradictions as candidates (the fact families find most of the
  rest by words). With a fast model configured, its verdicts are measured too (end to end).
- **consolidation** (CONSOLIDATION_SIMILARITY): memories this similar to a cluster's anchor are
  summarised together at night. The threshold with the best pairwise F1 on the dev topics.
- **merge** (MERGE_SIMILARITY): a new memory this similar to a current one, and adding nothing,
  is merged into it. The lowest threshold with no wrong merge on the dev pairs and at least
  MERGE_PRECISION_BY_SIMILARITY of the pairs above it true repeats by similarity alone.
- **related at all** (RELATED_SIMILARITY): a question sharing no word with any memory gets an
  answer only if some memory is this similar to it. The threshold that best separates the dev
  questions about something said from those about nothing said (balanced accuracy; of thresholds
  within RELATED_TIE of the best, the lowest).

Offline (no keys) it runs on the local models: the ONNX MiniLM embedder and the heuristic judge.
Nothing here touches a database: only the embedder and the fast model are called.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..domain.conflicts import candidate_similarity
from ..domain.consolidation import cluster, cluster_similarity
from ..domain.memory_text import embedding_text, indexed_text
from ..domain.merges import adds_nothing, merge_similarity
from ..domain.recall import related_similarity
from .functions import REPO_ROOT

DATA = REPO_ROOT / "benchmarks" / "data"
CANDIDATE_RECALL = 0.9
MERGE_PRECISION_BY_SIMILARITY = 0.75
# Thresholds that separate related from unrelated questions about equally well (balanced accuracy
# this close to the best): the lowest wins, since a question about something the user said that
# gets "I don't remember anything" is the failure people notice.
RELATED_TIE = 0.01
GRID = tuple(round(0.05 * i, 3) for i in range(1, 20))          # 0.05 .. 0.95
FINE_GRID = tuple(round(0.025 * i, 3) for i in range(4, 40))    # 0.1 .. 0.975
WHEN = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)  # the date memories are indexed with

# (threshold, environment variable, template parameter) - the names the code reads (config.py).
KNOBS = (
    ("conflict_candidate", "CONFLICT_CANDIDATE_SIMILARITY", "ConflictCandidateSimilarity"),
    ("consolidation", "CONSOLIDATION_SIMILARITY", "ConsolidationSimilarity"),
    ("merge", "MERGE_SIMILARITY", "MergeSimilarity"),
    ("related", "RELATED_SIMILARITY", "RelatedSimilarity"),
)


def load(name: str, data: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in (data / name).read_text().splitlines() if line.strip()]


def _cosines(embedder, left: list[str], right: list[str], left_kind: str = "document") -> np.ndarray:
    a = np.asarray(embedder.embed(left, kind=left_kind))
    b = np.asarray(embedder.embed(right, kind="document"))
    return np.sum(a * b, axis=1)


# --- conflict candidates -------------------------------------------------------------------------

def conflict_candidate(embedder, judge=None, data: Path = DATA) -> dict:
    from ..domain.contradictions import candidate_terms, family_candidate
    from ..domain.lexical import terms

    pairs = load("conflict_pairs.jsonl", data)
    sims = _cosines(embedder, [p["old"] for p in pairs], [p["new"] for p in pairs])

    def recall(split: str, t: float) -> float:
        hits = [s >= t for p, s in zip(pairs, sims) if p["split"] == split and p["label"] == 1]
        return sum(hits) / max(1, len(hits))

    chosen = max((t for t in GRID if recall("dev", t) >= CANDIDATE_RECALL), default=GRID[0])
    out = {"value": chosen, "rule": f"highest t keeping >= {CANDIDATE_RECALL:.0%} of dev contradictions by similarity",
           "dev_candidate_recall": round(recall("dev", chosen), 3),
           "heldout_candidate_recall": round(recall("heldout", chosen), 3)}
    if judge is not None:
        by_family = [bool(set(terms(p["old"])) & set(candidate_terms(p["new"]))) and family_candidate(p["old"], p["new"])
                     for p in pairs]
        for split in ("dev", "heldout"):
            rows = [(p, s, f) for p, s, f in zip(pairs, sims, by_family) if p["split"] == split]
            found = [p for p, s, f in rows if (s >= chosen or f) and judge(p["old"], p["new"]).has_conflict]
            positives = sum(p["label"] for p, _, _ in rows)
            right = sum(p["label"] for p in found)
            out[f"{split}_judge"] = {"recall": round(right / max(1, positives), 3),
                                     "precision": round(right / len(found), 3) if found else None,
                                     "false_positives": len(found) - right}
    return out


# --- consolidation ---------------------------------------------------------------------------------

def _pairwise(groups: list[list[int]], topics: list[str | None]) -> tuple[float, float, float]:
    predicted = {(i, j) for g in groups for i in g for j in g if i < j}
    truth = {(i, j) for i in range(len(topics)) for j in range(i + 1, len(topics))
             if topics[i] is not None and topics[i] == topics[j]}
    hit = len(predicted & truth)
    precision = hit / len(predicted) if predicted else 0.0
    recall = hit / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hit else 0.0
    return precision, recall, f1


def consolidation(embedder, data: Path = DATA) -> dict:
    rows = load("consolidation_topics.jsonl", data)
    vectors = {split: np.asarray(embedder.embed([r["text"] for r in rows if r["split"] == split], kind="document"))
               for split in ("dev", "heldout")}
    topics = {split: [r["topic"] for r in rows if r["split"] == split] for split in ("dev", "heldout")}
    scored = [(t, _pairwise(cluster(vectors["dev"], t), topics["dev"])) for t in FINE_GRID]
    best = max(f1 for _, (_, _, f1) in scored)
    chosen = max(t for t, (_, _, f1) in scored if f1 == best)  # ties: the stricter threshold
    held = _pairwise(cluster(vectors["heldout"], chosen), topics["heldout"])
    dev = dict(scored)[chosen]
    return {"value": chosen, "rule": "best pairwise F1 of the nightly clustering on the dev topics",
            "dev": {"precision": round(dev[0], 3), "recall": round(dev[1], 3), "f1": round(dev[2], 3)},
            "heldout": {"precision": round(held[0], 3), "recall": round(held[1], 3), "f1": round(held[2], 3)}}


# --- merges ----------------------------------------------------------------------------------------

def merge_sweep(pairs: list[dict], sims: np.ndarray) -> list[dict]:
    """Per threshold: pairs above it, their precision by similarity alone, merges made with the
    guards (``adds_nothing``), wrong merges, and the share of repeats merged."""
    guarded = [adds_nothing(p["old"], p["new"]) for p in pairs]
    repeats = sum(p["label"] for p in pairs)
    rows = []
    for t in FINE_GRID:
        above = [i for i, s in enumerate(sims) if s >= t]
        merged = [i for i in above if guarded[i]]
        rows.append({
            "threshold": t, "above": len(above),
            "precision_by_similarity": round(sum(pairs[i]["label"] for i in above) / len(above), 3) if above else None,
            "merged": len(merged), "wrong_merges": sum(pairs[i]["label"] == 0 for i in merged),
            "repeats_merged": round(sum(pairs[i]["label"] for i in merged) / max(1, repeats), 3),
        })
    return rows


def choose_merge_threshold(rows: list[dict]) -> float:
    for row in rows:
        if row["wrong_merges"] == 0 and (row["precision_by_similarity"] or 0) >= MERGE_PRECISION_BY_SIMILARITY:
            return row["threshold"]
    return rows[-1]["threshold"]


def merge(embedder, data: Path = DATA) -> dict:
    pairs = load("duplicate_pairs.jsonl", data)
    sims = _cosines(embedder, [p["old"] for p in pairs], [p["new"] for p in pairs])
    sweeps = {split: merge_sweep([p for p in pairs if p["split"] == split],
                                 np.array([s for p, s in zip(pairs, sims) if p["split"] == split]))
              for split in ("dev", "heldout")}
    chosen = choose_merge_threshold(sweeps["dev"])
    at = {split: next(r for r in rows if r["threshold"] == chosen) for split, rows in sweeps.items()}
    return {"value": chosen,
            "rule": f"lowest t with no wrong dev merge and >= {MERGE_PRECISION_BY_SIMILARITY:.0%} repeats above it by similarity",
            **{split: {k: row[k] for k in ("merged", "wrong_merges", "repeats_merged")} for split, row in at.items()}}


# --- related at all --------------------------------------------------------------------------------

def related(embedder, data: Path = DATA) -> dict:
    from ..domain.lexical import terms

    rows = load("relatedness.jsonl", data)
    best_sims: dict[str, tuple[list[float], list[float]]] = {}
    for split in ("dev", "heldout"):
        part = [r for r in rows if r["split"] == split]
        memories = list(dict.fromkeys(r["memory"] for r in part if r["memory"]))
        docs = np.asarray(embedder.embed(
            [embedding_text(indexed_text(m, author_name="user", when=WHEN), None) for m in memories], kind="document"))
        queries = np.asarray(embedder.embed([r["query"] for r in part], kind="query"))
        sims = queries @ docs.T
        # The floor decides only when no memory shares a word with the question (else the lexical
        # ranking answers): pairs sharing a term are left out.
        shares = [[bool(set(terms(r["query"])) & set(terms(m))) for m in memories] for r in part]
        related_sims = [float(sims[i, memories.index(r["memory"])]) for i, r in enumerate(part)
                        if r["memory"] and not shares[i][memories.index(r["memory"])]]
        unrelated_best = [float(max((sims[i, j] for j in range(len(memories)) if not shares[i][j]), default=-1.0))
                          for i, r in enumerate(part) if not r["memory"] and not any(shares[i])]
        best_sims[split] = (related_sims, unrelated_best)

    def rates(split: str, t: float) -> tuple[float, float]:
        found, nothing = best_sims[split]
        return sum(s >= t for s in found) / len(found), sum(s < t for s in nothing) / len(nothing)

    balanced = {t: sum(rates("dev", t)) / 2 for t in FINE_GRID}
    best = max(balanced.values())
    chosen = min(t for t, b in balanced.items() if b >= best - RELATED_TIE)
    out = {"value": chosen, "rule": f"lowest t within {RELATED_TIE} of the best balanced accuracy on the dev questions",
           "dev_balanced_accuracy": round(balanced[chosen], 3), "dev_best_balanced_accuracy": round(best, 3)}
    for split in ("dev", "heldout"):
        found, silent = rates(split, chosen)
        out[split] = {"related_found": round(found, 3), "unrelated_silent": round(silent, 3),
                      "questions": len(best_sims[split][0]) + len(best_sims[split][1])}
    return out


# --- the command -----------------------------------------------------------------------------------

def calibrate(embedder, judge=None, data: Path = DATA) -> dict:
    model = embedder.model_id
    measured = {
        "conflict_candidate": conflict_candidate(embedder, judge, data),
        "consolidation": consolidation(embedder, data),
        "merge": merge(embedder, data),
        "related": related(embedder, data),
    }
    built_in = {"conflict_candidate": candidate_similarity(model), "consolidation": cluster_similarity(model),
                "merge": merge_similarity(model), "related": related_similarity(model)}
    for name, result in measured.items():
        result["built_in"] = built_in[name]
    return {"embedder": model, "dimensions": getattr(embedder, "dim", None), "judge": "fast model" if judge else "heuristic",
            "thresholds": measured,
            "environment": {env: measured[name]["value"] for name, env, _ in KNOBS},
            "parameter_overrides": {param: measured[name]["value"] for name, _, param in KNOBS}}


def report(result: dict) -> str:
    lines = [f"Thresholds for {result['embedder']} ({result['dimensions']} dimensions), judge: {result['judge']}",
             "", f"{'threshold':<20} {'built in':>8} {'measured':>8}  how it was chosen, and what it gives", ""]
    for name, env, _ in KNOBS:
        t = result["thresholds"][name]
        figures = {k: v for k, v in t.items() if k not in ("value", "rule", "built_in")}
        lines.append(f"{name:<20} {t['built_in']:>8.3f} {t['value']:>8.3f}  {t['rule']}")
        lines.append(f"{'':<39}{json.dumps(figures)}")
    env = " ".join(f"{k}={v}" for k, v in result["environment"].items())
    params = " ".join(f"{k}={v}" for k, v in result["parameter_overrides"].items())
    lines += ["", "Put these in the deployment's configuration:",
              f"  AWS (samconfig.toml, the environment's parameter_overrides, or sam deploy --parameter-overrides):",
              f"    {params}",
              f"  anywhere else the configuration is read from the environment (companion/config.py):",
              f"    {env}",
              "(An empty value keeps the built-in value for the embedder; re-run this after changing the embedder.)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make calibrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="the labelled sets (default: benchmarks/data)")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)
    from ..config import Settings
    from ..wiring import Container

    container = Container(Settings.from_env())
    embedder = container.uncached_embedder
    judge = None if container.fast_model is None else container.conflict_judge.judge
    result = calibrate(embedder, judge, args.data)
    if not args.json:
        print(report(result))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
