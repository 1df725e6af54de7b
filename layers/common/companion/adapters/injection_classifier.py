"""Loads the local injection screen's learned stage once per process, from the package
(companion/weights/injection_classifier.npz, written by tools/train_injection_classifier.py;
weights/ ships in the Lambda layer, unlike assets/)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from ..domain.injection_classifier import HashedNgramClassifier

WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "injection_classifier.npz"


@lru_cache(maxsize=4)
def load_classifier(path: Path = WEIGHTS) -> HashedNgramClassifier:
    with np.load(path, allow_pickle=False) as data:
        bits = int(data["bits"])
        weights = data["weights"].astype(np.float32)
        if weights.shape != (2 ** bits,):
            raise ValueError(f"{path}: {weights.shape[0]} weights for {bits} hash bits")
        return HashedNgramClassifier(weights, float(data["intercept"]), bits, float(data["threshold"]))
