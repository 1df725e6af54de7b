"""Gemini embeddings through google-genai, against recorded batchEmbedContents wire shapes."""
import json

import httpx
import numpy as np
import pytest

from companion.adapters.gemini import GeminiEmbedder
from companion.ports import ProviderError


def embedder_answering(handler, dim=1536):
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return GeminiEmbedder(api_key="AIza-test", dim=dim, http_client=client)


def batch_answer(recorded, request, dim):
    """The recorded envelope, one embedding per request, unnormalised like the real model's."""
    asked = json.loads(request.content)["requests"]
    rng = np.random.default_rng(len(asked))
    body = recorded("gemini_batch_embed")
    body.pop("_comment")
    body["embeddings"] = [{"values": (rng.normal(size=dim) * 0.03).tolist()} for _ in asked]
    return httpx.Response(200, json=body)


def test_documents_and_queries_use_their_task_types_and_come_back_normalised(recorded):
    seen = []

    def handler(request):
        seen.append(request)
        return batch_answer(recorded, request, 1536)

    embedder = embedder_answering(handler)
    documents = embedder.embed(["I got a new puppy", "His name is Sparky"], kind="document")
    query = embedder.embed(["puppy"], kind="query")

    assert documents.shape == (2, 1536) and query.shape == (1, 1536)
    assert documents.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(documents, axis=1), 1.0, rtol=1e-5)
    first, second = (json.loads(r.content)["requests"] for r in seen)
    assert seen[0].url.path == "/v1/models/gemini-embedding-001:batchEmbedContents"
    assert seen[0].headers["x-goog-api-key"] == "AIza-test"
    assert {r["taskType"] for r in first} == {"RETRIEVAL_DOCUMENT"}
    assert {r["taskType"] for r in second} == {"RETRIEVAL_QUERY"}
    assert {r["outputDimensionality"] for r in first} == {1536}
    assert [r["content"]["parts"][0]["text"] for r in first] == ["I got a new puppy", "His name is Sparky"]
    assert embedder.model_id == "gemini-embedding-001-1536"


def test_more_than_a_hundred_texts_are_sent_in_batches_of_a_hundred(recorded):
    sizes = []

    def handler(request):
        sizes.append(len(json.loads(request.content)["requests"]))
        return batch_answer(recorded, request, 8)

    vectors = embedder_answering(handler, dim=8).embed([f"text {i}" for i in range(230)])
    assert sizes == [100, 100, 30]
    assert vectors.shape == (230, 8)


@pytest.mark.parametrize("fixture, status", [("gemini_quota_exhausted", 429), ("gemini_invalid_key", 400)])
def test_api_errors_are_provider_errors(recorded, fixture, status):
    def handler(request):
        return httpx.Response(status, json=recorded(fixture))

    with pytest.raises(ProviderError, match=str(status)):
        embedder_answering(handler).embed(["hello"])


def test_a_short_or_wrong_sized_answer_is_refused(recorded):
    def handler(request):
        return batch_answer(recorded, request, 768)

    with pytest.raises(ProviderError, match="1536"):
        embedder_answering(handler).embed(["hello"])


def test_unreachable_is_a_provider_error():
    def handler(request):
        raise httpx.ConnectTimeout("timed out")

    with pytest.raises(ProviderError, match="unreachable"):
        embedder_answering(handler).embed(["hello"])


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        embedder_answering(lambda request: httpx.Response(500)).embed(["x"], kind="passage")
