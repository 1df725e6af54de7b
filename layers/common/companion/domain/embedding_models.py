"""Values that depend on the embedding model (similarity thresholds differ between embedders)."""
from __future__ import annotations

from typing import Mapping


def for_model(values: Mapping[str, float], model_id: str, default: float) -> float:
    """The value whose key is a prefix of ``model_id`` (case-insensitive): model ids carry
    suffixes such as the runtime or the dimension ("all-MiniLM-L6-v2-onnx-int8")."""
    model = model_id.lower()
    return next((value for prefix, value in values.items() if model.startswith(prefix)), default)
