"""The seed's conversation through the real path with the production provider adapters (Chutes
via openai, Groq, Gemini via google-genai) talking HTTP to recorded fakes of those APIs.

The Gemini fake answers in the real batchEmbedContents wire shape with real semantics: MiniLM
vectors rotated into 1536 dimensions by a fixed orthonormal map (inner products are preserved)
and scaled, since the real model's 1536-d output is not normalised either.
"""
import json
from datetime import datetime, timezone
from pathlib import Path

import httpx
import httpx2
import numpy as np
import pytest

from companion.adapters.openai_chat import OpenAIChatReplyModel
from companion.adapters.gemini import GeminiEmbedder
from companion.adapters.groq_fast import GroqFastModel
from companion.adapters.importance import LLMImportanceScorer
from companion.adapters.offline_models import OfflineImportanceScorer
from companion.adapters.qdrant_store import collection_name

FIXTURES = Path(__file__).parents[1] / "unit" / "adapters" / "fixtures"
PRIMARY, FALLBACK = "Qwen/Qwen3-Next-80B-A3B-Instruct", "Qwen/Qwen2.5-72B-Instruct"
USER = "integration_tester_002"


def recorded(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


class FakeProviders:
    """HTTP-level stand-ins for Chutes, Groq and Gemini, recording what they were sent."""

    def __init__(self, minilm):
        self.minilm = minilm
        self.rotation = np.linalg.qr(np.random.default_rng(7).normal(size=(1536, 384)))[0]
        self.chat_requests: list[dict] = []
        self.score_prompts: list[str] = []
        self.models_down: set[str] = set()
        self.gemini_down = False
        self.groq_down = False

    def chutes(self, request):
        body = json.loads(request.content)
        self.chat_requests.append(body)
        if body["model"] in self.models_down:
            return httpx2.Response(503, json=recorded("chutes_no_instances"))
        answer = recorded("chutes_chat_completion") | {"model": body["model"]}
        answer["choices"][0]["message"]["content"] = f"[{body['model']}] Tell me all about him!"
        return httpx2.Response(200, json=answer)

    def groq(self, request):
        if self.groq_down:
            return httpx.Response(429, json=recorded("groq_rate_limited"))
        self.score_prompts.append(json.loads(request.content)["messages"][0]["content"])
        return httpx.Response(200, json=recorded("groq_chat_completion"))  # answers "0.8"

    def gemini(self, request):
        if self.gemini_down:
            return httpx.Response(503, json=recorded("gemini_unavailable"))
        asked = json.loads(request.content)["requests"]
        texts = [r["content"]["parts"][0]["text"] for r in asked]
        vectors = self.minilm.embed(texts) @ self.rotation.T * 0.6
        return httpx.Response(200, json={"embeddings": [{"values": v.tolist()} for v in vectors]})


@pytest.fixture
def providers(embedder):
    return FakeProviders(embedder)


@pytest.fixture
def production_runtime(tmp_path, database_url, providers):
    from companion.local.runtime import LocalRuntime

    gemini = GeminiEmbedder(api_key="AIza-test", dim=1536, http_client=httpx.Client(transport=httpx.MockTransport(providers.gemini)))
    groq = GroqFastModel(
        api_key="gsk_test", model="meta-llama/llama-4-maverick-17b-128e-instruct", max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(providers.groq), base_url="https://api.groq.com"),
    )
    chutes = OpenAIChatReplyModel(
        api_key="cpk_test", primary_model=PRIMARY, fallback_model=FALLBACK, max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(providers.chutes)),
    )
    overrides = {
        "embedder": gemini,
        "reply_model": chutes,
        "importance_scorer": LLMImportanceScorer(groq, fallback=OfflineImportanceScorer(gemini)),
    }
    rt = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", overrides=overrides)
    yield rt
    rt.close()


def test_conversation_with_production_adapters(production_runtime, providers, db_admin):
    rt = production_runtime
    providers.models_down = {PRIMARY}
    first = rt.send("companion", {"message": "I got a new puppy today!"}, user_id=USER)
    providers.models_down = set()
    second = rt.send("companion", {"message": "His name is Sparky and he's a golden retriever."}, user_id=USER)

    # Replies came from the models, the first from the fallback after the primary's 503.
    assert first.replies == [f"[{FALLBACK}] Tell me all about him!"]
    assert second.replies == [f"[{PRIMARY}] Tell me all about him!"]
    assert [r["model"] for r in providers.chat_requests] == [PRIMARY, FALLBACK, PRIMARY]
    interactions = rt.container.interaction_repo.list_interactions(USER)
    assert [i.llm_model_used for i in interactions] == [FALLBACK, PRIMARY]
    conn = db_admin
    flags = conn.execute("SELECT fallback_used FROM interactions WHERE user_id=%s ORDER BY id", (USER,)).fetchall()
    assert [row["fallback_used"] for row in flags] == [True, False]

    # The second turn's system prompt carries the persona and the recalled puppy memory.
    system = providers.chat_requests[-1]["messages"][0]
    assert system["role"] == "system" and "I got a new puppy today!" in system["content"]

    # Importance came from the fast model, through the seed's prompt.
    assert len(providers.score_prompts) == 2
    assert 'User Message: "I got a new puppy today!"' in providers.score_prompts[0]
    results = rt.container.memory.search(USER, "puppy", k=5, now=datetime.now(timezone.utc))
    assert any("Sparky" in m.content for m in results)
    assert all(m.importance == 0.8 for m in results if m.author == "user")

    # Vectors live in the Gemini collection, tagged with the model and its dimension.
    rows = conn.execute("SELECT embedding_model, embedding_dim FROM memories WHERE user_id=%s", (USER,)).fetchall()
    assert rows and {(r["embedding_model"], r["embedding_dim"]) for r in rows} == {("gemini-embedding-001-1536", 1536)}
    assert rt.container.vector_store.client.collection_exists(collection_name("gemini-embedding-001-1536"))

    memories = rt.send("memories", {"query": "puppy"}, user_id=USER)
    assert "Sparky" in memories.replies[0]


def test_reply_provider_outage_apologises_and_keeps_the_memory(production_runtime, providers):
    rt = production_runtime
    providers.models_down = {PRIMARY, FALLBACK}
    exchange = rt.send("companion", {"message": "My sister is getting married in June"}, user_id=USER)
    assert exchange.replies and "trouble" in exchange.replies[0].lower()
    assert [r["model"] for r in providers.chat_requests] == [PRIMARY, FALLBACK]
    results = rt.container.memory.search(USER, "wedding", k=5, now=datetime.now(timezone.utc))
    assert any("married" in m.content for m in results)


def test_embedding_outage_answers_remembers_and_catches_up(production_runtime, providers, db_admin):
    rt = production_runtime
    rt.send("companion", {"message": "I got a new puppy today!"}, user_id=USER)

    providers.gemini_down = True
    during = rt.send("companion", {"message": "His name is Sparky and he's a golden retriever."}, user_id=USER)
    assert during.replies == [f"[{PRIMARY}] Tell me all about him!"]  # answered, not apologised
    conn = db_admin
    row = conn.execute(
        "SELECT embedding, embedding_model, embedding_input, importance FROM memories WHERE content LIKE 'His name%%'"
    ).fetchone()
    assert row["embedding"] is None and row["embedding_model"] is None
    # Embedded later as indexed: in its context, dated, with the speaker.
    assert row["embedding_input"].startswith("I got a new puppy today!\n[")
    assert row["embedding_input"].endswith("] you: His name is Sparky and he's a golden retriever.")
    assert row["importance"] == 0.8  # the scoring model was up
    # Recall still works, by words; a query of stop words alone finds nothing, without error.
    assert "Sparky" in rt.send("memories", {"query": "Sparky"}, user_id=USER).replies[0]
    assert "don't remember" in rt.send("memories", {"query": "the and of"}, user_id=USER).replies[0]
    assert "Sparky" not in rt.send("memories", {"query": "Sparky"}, user_id="someone_else").replies[0]

    providers.gemini_down = False
    embedder_breaker = rt.container.breakers["embedder"]
    assert embedder_breaker.state == "open"  # the outage is remembered: later turns skip Gemini...
    embedder_breaker.opened_at -= embedder_breaker.open_seconds  # ...until the open period is over
    rt.send("companion", {"message": "We went to the park"}, user_id=USER)
    pending = conn.execute("SELECT count(*) AS n FROM memories WHERE embedding IS NULL OR indexed_at IS NULL").fetchone()
    assert pending["n"] == 0
    results = rt.container.memory.search(USER, "puppy", k=5, now=datetime.now(timezone.utc))
    assert any("Sparky" in m.content for m in results)


def test_all_scoring_providers_down_uses_the_heuristic(production_runtime, providers, db_admin):
    providers.gemini_down = providers.groq_down = True
    exchange = production_runtime.send("companion", {"message": "My dad passed away last month, I'm still grieving"}, user_id=USER)
    assert exchange.replies and "trouble" not in exchange.replies[0]
    row = db_admin.execute(
        "SELECT importance, embedding FROM memories WHERE user_id=%s", (USER,)).fetchone()
    assert row["embedding"] is None and row["importance"] > 0.7
