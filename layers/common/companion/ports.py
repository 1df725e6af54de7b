"""The small interfaces services depend on. Adapters implement them, one engine each."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Sequence

if TYPE_CHECKING:  # the interactions function imports this module and must stay light
    import numpy as np

    from .domain.models import Reply, ReplyContext


class ProviderError(RuntimeError):
    """An external provider (LLM, embeddings, Discord) failed after its own retries."""


class InteractionExpired(RuntimeError):
    """Discord no longer accepts this interaction's token (tokens live 15 minutes): retrying
    cannot deliver the reply."""


class Embedder(Protocol):
    model_id: str  # stored with every vector: vectors of different models are never compared
    dim: int

    def embed(self, texts: Sequence[str], kind: str = "document") -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised rows. ``kind`` is "document" (what is
        stored) or "query" (what is searched with): asymmetric models embed them differently."""


class ReplyModel(Protocol):
    def reply(self, context: ReplyContext) -> Reply: ...


class FastModel(Protocol):
    """A small, fast model for scoring (Groq in production)."""

    def complete(self, prompt: str, *, max_tokens: int = 10, temperature: float = 0.1) -> str: ...


class ImportanceScorer(Protocol):
    def score(self, content: str, context: dict[str, Any]) -> float: ...


@dataclass(frozen=True)
class VectorHit:
    id: str
    score: float
    payload: dict[str, Any]
    vector: np.ndarray


class VectorStore(Protocol):
    def ensure_collection(self, model_id: str, dim: int) -> None: ...

    def upsert(self, model_id: str, user_id: str, points: Sequence[tuple[str, np.ndarray, dict]]) -> None: ...

    def search(
        self, model_id: str, user_id: str, vector: np.ndarray, limit: int, min_score: float = 0.0
    ) -> list[VectorHit]: ...


class DiscordClient(Protocol):
    def edit_original(self, application_id: str, token: str, content: str) -> None: ...


class TurnQueue(Protocol):
    def send(self, body: dict[str, Any], *, group_id: str, dedup_id: str) -> None: ...
