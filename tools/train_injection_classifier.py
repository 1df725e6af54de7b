"""Trains the local injection screen's learned stage (domain/injection_classifier.py).

    make train-injection TENSOR_TRUST=/path/to/tensor-trust-data DEEPSET=/path/to/deepset-parquet-dir
    # = .venv-train/bin/python tools/train_injection_classifier.py --tensor-trust DIR --deepset DIR

Writes layers/common/companion/weights/injection_classifier.npz (weights, intercept, hash bits,
the flag threshold, and where the data came from) and prints out-of-fold figures per source.
scikit-learn is used here only (requirements-train.txt); the product scores with numpy.

Data (every source split into dev / held out by the project's rule: a row's own `split` field,
otherwise sha256(text) mod 3 == 0 is held out -- benchmarks/injection_eval.hashed_split; ONLY dev
rows are trained on, so held-out figures from benchmarks/injection_eval.py stay honest):
- this repository: benchmarks/data/direct-attacks.jsonl (attacks), companion-benign.jsonl
  (tricky benign messages addressed to a companion), seed-examples.jsonl (the seed's 15 + 15);
- ../shared/benchmarks: CyberSecEval's prompt-injection cases (MIT; every `user_input` an attack),
  benign-chat-dev.jsonl, and the other LoCoMo dev turns as ordinary chat (any turn equal to a
  held-out benign-chat row is left out);
- Tensor Trust (Toyer et al., 2023, "Tensor Trust: Interpretable Prompt Injection Attacks from an
  Online Game"): the `attack` field of benchmarks/hijacking-robustness/v1 and
  extraction-robustness/v1 of the public repository HumanCompatibleAI/tensor-trust-data (commit
  e2385ea used here). Referenced, not copied into this repository;
- deepset/prompt-injections (Apache-2.0; the two parquet files of its train and test splits, as
  mirrored in sinanw/llm-security-prompt-injection data/raw): its `train` rows count as dev, its
  `test` rows as held out.
Missing external directories are skipped with a warning (the model is then weaker; the .npz
records which sources it saw).

``--export-eval DIR`` also writes the external sets as benchmark files
({"text", "label", "split", "category"}) for benchmarks/injection_eval.py.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "common"))

from companion.domain.injection import normalise, screen_locally  # noqa: E402
from companion.domain.injection_classifier import HashedNgramClassifier, featurise  # noqa: E402

SHARED = ROOT.parent.parent / "shared" / "benchmarks"  # /work/wt/<tree> -> /work/shared
OUTPUT = ROOT / "layers" / "common" / "companion" / "weights" / "injection_classifier.npz"
BITS = 18
# Source weights: every benign message addressed to a companion counts for several ordinary ones,
# because that is where a learned model goes wrong (it learns "instructions" = attack).
SOURCE_WEIGHT = {"companion-benign": 4.0, "seed": 2.0, "direct-attacks": 2.0}
FOLDS = 5
# Out-of-fold targets the threshold is chosen for (tighter than the product targets, so the
# held-out figures have room): false positives on companion-benign and on ordinary chat.
MAX_OOF_FPR = {"companion-benign": 0.02, "chat": 0.002}


@dataclass(frozen=True)
class Example:
    text: str
    label: int
    source: str
    split: str  # dev | heldout


def hashed_split(text: str) -> str:
    return "heldout" if int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 3 == 0 else "dev"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_examples(shared: Path, tensor_trust: Path | None, deepset: Path | None) -> tuple[list[Example], list[str]]:
    examples, sources = [], []
    data = ROOT / "benchmarks" / "data"
    for name, source in (("direct-attacks.jsonl", "direct-attacks"), ("companion-benign.jsonl", "companion-benign"),
                         ("seed-examples.jsonl", "seed")):
        for row in _jsonl(data / name):
            examples.append(Example(row["text"], row["label"], source, row.get("split") or hashed_split(row["text"])))
        sources.append(f"benchmarks/data/{name}")
    injection = shared / "injection"
    for case in json.loads((injection / "cyberseceval-prompt-injection.json").read_text()):
        examples.append(Example(case["user_input"], 1, "cyberseceval", hashed_split(case["user_input"])))
    chat = _jsonl(injection / "benign-chat-dev.jsonl")
    held_out_chat = set()
    for row in chat:
        split = row.get("split") or hashed_split(row["text"])
        examples.append(Example(row["text"], 0, "chat", split))
        if split == "heldout":
            held_out_chat.add(row["text"])
    seen = {row["text"] for row in chat}
    for sample in json.loads((shared / "locomo" / "locomo-dev.json").read_text()):
        for value in sample["conversation"].values():
            if not isinstance(value, list):
                continue
            for turn in value:
                text = turn.get("text") or ""
                if text and text not in seen and text not in held_out_chat:
                    seen.add(text)
                    examples.append(Example(text, 0, "chat-locomo", "dev"))
    sources += ["shared/benchmarks/injection/cyberseceval-prompt-injection.json",
                "shared/benchmarks/injection/benign-chat-dev.jsonl", "shared/benchmarks/locomo/locomo-dev.json"]
    if tensor_trust:
        for kind in ("hijacking", "extraction"):
            path = tensor_trust / "benchmarks" / f"{kind}-robustness" / "v1" / f"{kind}_robustness_dataset.jsonl"
            for row in _jsonl(path):
                examples.append(Example(row["attack"], 1, f"tensor-trust/{kind}", hashed_split(row["attack"])))
        sources.append("HumanCompatibleAI/tensor-trust-data benchmarks/{hijacking,extraction}-robustness/v1")
    else:
        print("!! no --tensor-trust: trained without Tensor Trust attacks", file=sys.stderr)
    if deepset:
        import pyarrow.parquet as pq

        for path in sorted(deepset.glob("*.parquet")):
            split = "heldout" if path.name.startswith("test") else "dev"
            for row in pq.read_table(path).to_pylist():
                examples.append(Example(row["text"], int(row["label"]), "deepset", split))
        sources.append("deepset/prompt-injections (train = dev, test = held out)")
    else:
        print("!! no --deepset: trained without deepset/prompt-injections", file=sys.stderr)
    # One text, one label: the first source's row wins (the in-repo sets are loaded first).
    unique: dict[str, Example] = {}
    for example in examples:
        unique.setdefault(example.text, example)
    return list(unique.values()), sources


def design(texts: list[str]):
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for number, text in enumerate(texts):
        index, value = featurise(normalise(text).plain, BITS)
        rows.append(np.full(len(index), number))
        cols.append(index)
        vals.append(value)
    return csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(len(texts), 2 ** BITS))


def fit(matrix, labels, weights, c: float):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, solver="liblinear", max_iter=2000)
    model.fit(matrix, labels, sample_weight=weights)
    return model


def group(example: Example) -> str:
    if example.source in ("chat", "chat-locomo"):
        return "chat"
    return example.source.split("/")[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--tensor-trust", type=Path)
    parser.add_argument("--deepset", type=Path)
    parser.add_argument("--c", type=float, default=8.0, help="inverse L2 strength of the logistic regression")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--export-eval", type=Path, help="write the external sets as benchmark files here")
    args = parser.parse_args(argv)

    examples, sources = load_examples(args.shared, args.tensor_trust, args.deepset)
    if args.export_eval:
        args.export_eval.mkdir(parents=True, exist_ok=True)
        by_source = defaultdict(list)
        for e in examples:
            if e.source.startswith(("tensor-trust", "deepset")):
                by_source[e.source.split("/")[0]].append(e)
        for name, rows in by_source.items():
            with (args.export_eval / f"{name}.jsonl").open("w") as out:
                for e in rows:
                    out.write(json.dumps({"text": e.text, "label": e.label, "split": e.split, "category": e.source}) + "\n")
    dev = [e for e in examples if e.split == "dev"]
    print("dev rows per source:", dict(Counter((e.source, e.label) for e in dev)))
    labels = np.array([e.label for e in dev])
    weights = np.array([SOURCE_WEIGHT.get(group(e), 1.0) for e in dev])
    # Balance the classes after the source weights.
    for label in (0, 1):
        weights[labels == label] *= len(dev) / (2 * weights[labels == label].sum())
    matrix = design([e.text for e in dev])

    # Out-of-fold logits, folds fixed by hash so a rerun gives the same figures.
    fold = np.array([int(hashlib.sha256(e.text.encode()).hexdigest()[8:16], 16) % FOLDS for e in dev])
    oof = np.zeros(len(dev))
    for k in range(FOLDS):
        train, test = fold != k, fold == k
        model = fit(matrix[train], labels[train], weights[train], args.c)
        oof[test] = model.decision_function(matrix[test])
    patterns = np.array([screen_locally(e.text).score >= 0.5 for e in dev])

    # The flag threshold: the lowest logit that keeps each benign group within its OOF budget
    # (counting only messages the patterns do not flag already).
    threshold = -np.inf
    for name, budget in MAX_OOF_FPR.items():
        members = np.array([group(e) == name for e in dev]) & (labels == 0)
        scores = np.sort(oof[members & ~patterns])[::-1]
        allowed = int(budget * members.sum()) - int((members & patterns).sum())
        if allowed < 0:
            continue
        threshold = max(threshold, scores[allowed] + 1e-6 if allowed < len(scores) else -np.inf)
    print(f"threshold (logit): {threshold:.3f}")
    print(f"{'out-of-fold, dev rows':<28} {'n':>5} {'patterns':>9} {'model':>7} {'either':>7}")
    for name in sorted({group(e) for e in dev}):
        for label in (1, 0):
            members = np.array([group(e) == name for e in dev]) & (labels == label)
            if not members.any():
                continue
            model_hit = oof[members] >= threshold
            either = model_hit | patterns[members]
            rate = lambda hits: f"{hits.mean():.3f}"  # noqa: E731
            print(f"{name + (' attacks' if label else ' benign'):<28} {members.sum():>5} {rate(patterns[members]):>9} "
                  f"{rate(model_hit):>7} {rate(either):>7}")

    final = fit(matrix, labels, weights, args.c)
    classifier = HashedNgramClassifier(final.coef_[0].astype(np.float32), float(final.intercept_[0]), BITS, float(threshold))
    provenance = {"sources": sources, "c": args.c, "bits": BITS, "dev_rows": len(dev),
                  "dev_per_source": {f"{s}/{l}": n for (s, l), n in Counter((e.source, e.label) for e in dev).items()}}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.output, weights=classifier.weights.astype(np.float16), intercept=classifier.intercept,
                        bits=BITS, threshold=classifier.threshold, provenance=json.dumps(provenance))
    print(f"wrote {args.output} ({args.output.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
