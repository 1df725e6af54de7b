"""Contradiction detection, measured: which pairs become candidates (cosine similarity on the
embedder in use, or a fact of the same family found by its cue words) and what the judge says,
on labelled statement pairs.

    .venv/bin/python benchmarks/conflict_eval.py [--split dev|heldout|all] [--judge heuristic|fast-model] [--chat]

Each line of the data is {"old", "new", "label" (1 = the newer statement contradicts the
older), "split", "family"}. The splits (benchmarks/data/conflict_pairs.jsonl):
- "dev": looked at while writing the heuristic judge (domain/contradictions.py);
- "heldout": written before the judge was scored on it, scored once (the README's figure).

A pair is detected end to end when it is a candidate and the judge finds a conflict: the
conflict check (services/conflicts.py) judges the user's memories similar in meaning to the new
one (``candidate_similarity``) and those the family cue words find that hold a fact of the
same family (``domain.contradictions.candidate_terms`` and ``family_candidate``). Prints each pair of the chosen
split, candidate recall per threshold, precision / recall / false positives / wrongly
auto-resolved per split and per family, and one final JSON line.

``--judge fast-model`` asks the configured fast model (GROQ_API_KEY) with the production prompt
instead of the heuristic (it falls back to the heuristic per pair when the model fails, and
counts those). ``--chat`` also judges every pair of one speaker's turns in the LoCoMo dev
conversations that the check would judge (``../shared/benchmarks/locomo``): the false alarms
on ordinary conversation.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

from companion.domain.conflicts import candidate_similarity
from companion.domain.contradictions import FAMILIES, candidate_terms, family_candidate, heuristic_verdict
from companion.domain.lexical import terms as lexical_terms

DEFAULT = Path(__file__).parent / "data" / "conflict_pairs.jsonl"
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8)


def load(path: Path = DEFAULT) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def nominated_by_family(old: str, new: str) -> bool:
    """As the conflict check finds it: the stored statement holds one of the new one's candidate
    terms, and a fact of the same family about the same holder."""
    return bool(set(lexical_terms(old)) & set(candidate_terms(new))) and family_candidate(old, new)


def scores(pairs: list[dict], sims, judged, threshold: float) -> dict:
    """Detection figures for these pair indices."""
    positives = [i for i, p in pairs if p["label"] == 1]
    negatives = [i for i, p in pairs if p["label"] == 0]
    label = dict((i, p["label"]) for i, p in pairs)
    found = [i for i, p in pairs if judged[i].has_conflict and (sims[i] >= threshold or p["_family_nominated"])]
    tp = sum(label[i] == 1 for i in found)
    auto = [i for i in found if judged[i].resolve_automatically]
    return {
        "pairs": len(pairs), "recall": round(tp / max(1, len(positives)), 3),
        "precision": round(tp / max(1, len(found)), 3) if found else None,
        "false_positives": len(found) - tp, "negatives": len(negatives),
        "auto_resolved": sum(label[i] == 1 for i in auto),
        "auto_resolved_wrongly": sum(label[i] == 0 for i in auto),
    }


def evaluate(pairs: list[dict], embedder, judge, threshold: float | None = None, split: str = "all",
             show=print) -> dict:
    threshold = candidate_similarity(embedder.model_id) if threshold is None else threshold
    olds = embedder.embed([p["old"] for p in pairs], kind="document")
    news = embedder.embed([p["new"] for p in pairs], kind="document")
    sims = np.sum(np.asarray(olds) * np.asarray(news), axis=1)
    for p in pairs:
        p["_family_nominated"] = nominated_by_family(p["old"], p["new"])
    splits = ("dev", "heldout") if split == "all" else (split,)
    chosen = [(i, p) for i, p in enumerate(pairs) if p["split"] in splits]
    judged = {}
    show(f"{'sim':>5} {'fam':>3} {'label':>5}  {'judged':>22}  pair")
    for i, p in chosen:
        v = judge(p["old"], p["new"])
        judged[i] = v
        shown = f"{v.conflict_type or '-'} {v.confidence:.2f}" if v.has_conflict else "-"
        mark = "" if (v.has_conflict and (sims[i] >= threshold or p["_family_nominated"])) == bool(p["label"]) else "  <-- wrong"
        show(f"{sims[i]:5.2f} {'yes' if p['_family_nominated'] else '':>3} {p['label']:>5}  {shown:>22}  "
             f"{p['old']!r} -> {p['new']!r}{mark}")
    out: dict = {"embedder": embedder.model_id, "candidate_threshold": threshold, "split": split}
    contradictions = [sims[i] for i, p in chosen if p["label"] == 1]
    consistent = [sims[i] for i, p in chosen if p["label"] == 0]
    show(f"\ncontradiction pairs: similarity median {statistics.median(contradictions):.2f}, "
         f"min {min(contradictions):.2f}; consistent related pairs: median {statistics.median(consistent):.2f}")
    show("candidate recall (contradictions with similarity >= t; with the family cue words too):")
    for t in THRESHOLDS:
        r = sum(s >= t for s in contradictions) / len(contradictions)
        both = sum(sims[i] >= t or p["_family_nominated"] for i, p in chosen if p["label"] == 1) / len(contradictions)
        show(f"  t={t:.2f}: {r:.0%} by similarity, {both:.0%} with families")
        out[f"candidate_recall@{t}"] = round(r, 3)
    out["family_nominated_recall"] = round(
        sum(p["_family_nominated"] for _, p in chosen if p["label"] == 1) / len(contradictions), 3)
    for name in splits:
        stats = scores([(i, p) for i, p in chosen if p["split"] == name], sims, judged, threshold)
        out[name] = stats
        show(f"{name}: {stats}")
        per_family = {}
        for family in (*FAMILIES, "other"):
            subset = [(i, p) for i, p in chosen if p["split"] == name and p.get("family", "other") == family]
            if subset:
                s = scores(subset, sims, judged, threshold)
                per_family[family] = {k: s[k] for k in ("pairs", "recall", "false_positives")}
        out[name]["families"] = per_family
        show(f"  per family: {per_family}")
    return out


LOCOMO = Path(__file__).resolve().parent.parent / ".." / "shared" / "benchmarks" / "locomo" / "locomo-dev.json"


def chat_false_alarms(embedder, judge, threshold: float, path: Path = LOCOMO, show=print) -> dict:
    """How often the check would flag ordinary conversation: every pair of one speaker's turns in
    the LoCoMo dev conversations that would be judged (similar in meaning above the threshold,
    or found by a fact family), judged. People there rarely contradict themselves, so nearly
    every flag is a false alarm (each one is printed to be read)."""
    conversations = json.loads(path.read_text())
    by_meaning = by_family = 0
    flagged = []
    for conversation in conversations:
        turns = [t for key, value in conversation["conversation"].items()
                 if key.startswith("session_") and isinstance(value, list) for t in value]
        speakers: dict[str, list[str]] = {}
        for turn in turns:
            speakers.setdefault(turn["speaker"], []).append(turn["text"])
        for texts in speakers.values():
            vectors = np.asarray(embedder.embed(texts, kind="document"))
            similarity = vectors @ vectors.T
            for i, new in enumerate(texts):
                for j in range(i):
                    meaning = similarity[i, j] >= threshold
                    family = not meaning and nominated_by_family(texts[j], new)
                    if not (meaning or family):
                        continue
                    by_meaning += meaning
                    by_family += family
                    verdict = judge(texts[j], new)
                    if verdict.has_conflict:
                        flagged.append((verdict, texts[j], new))
    for verdict, old, new in flagged:
        show(f"chat flag {verdict.confidence:.2f} {verdict.description}\n    {old[:140]!r}\n -> {new[:140]!r}")
    return {"conversations": len(conversations), "pairs_by_meaning": int(by_meaning), "pairs_by_family": int(by_family),
            "flagged": len(flagged), "auto_resolved": sum(v.resolve_automatically for v, _, _ in flagged)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="dev",
                        help="dev while working on the judge; heldout once, for the figure")
    parser.add_argument("--judge", choices=("heuristic", "fast-model"), default="heuristic")
    parser.add_argument("--chat", action="store_true",
                        help="also judge every candidate pair of one speaker's turns in the LoCoMo dev conversations")
    args = parser.parse_args()
    from companion.adapters.onnx_embedder import OnnxMiniLMEmbedder

    embedder = OnnxMiniLMEmbedder()
    judge = heuristic_verdict
    if args.judge == "fast-model":
        from companion.wiring import Container

        container = Container()
        if container.fast_model is None:
            print("--judge fast-model needs GROQ_API_KEY", file=sys.stderr)
            return 2
        judge = container.conflict_judge.judge
    out = evaluate(load(args.data), embedder, judge, split=args.split)
    out["judge"] = args.judge
    if args.chat:
        out["chat"] = chat_false_alarms(embedder, judge, out["candidate_threshold"])
        print(f"chat: {out['chat']}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
