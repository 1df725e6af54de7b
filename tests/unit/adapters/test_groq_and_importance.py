"""The Groq fast model and the LLM importance scorer, against recorded wire shapes."""
import json

import httpx
import pytest

from companion.adapters.groq_fast import GroqFastModel
from companion.adapters.importance import LLMImportanceScorer
from companion.ports import ProviderError

MODEL = "meta-llama/llama-4-maverick-17b-128e-instruct"


def groq_answering(handler):
    return GroqFastModel(
        api_key="gsk_test", model=MODEL, max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.groq.com"),
    )


class FixedScorer:
    def __init__(self, value):
        self.value, self.calls = value, 0

    def score(self, content, context):
        self.calls += 1
        return self.value


def test_complete_sends_the_prompt_with_low_temperature_and_returns_the_text(recorded):
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=recorded("groq_chat_completion"))

    assert groq_answering(handler).complete("Score this", max_tokens=10, temperature=0.1) == "0.8"
    [request] = seen
    assert request.url.path == "/openai/v1/chat/completions"
    body = json.loads(request.content)
    assert body["model"] == MODEL and body["max_tokens"] == 10 and body["temperature"] == 0.1
    assert body["messages"] == [{"role": "user", "content": "Score this"}]


def test_rate_limit_is_a_provider_error(recorded):
    def handler(request):
        return httpx.Response(429, json=recorded("groq_rate_limited"), headers={"retry-after": "3"})

    with pytest.raises(ProviderError, match="RateLimit"):
        groq_answering(handler).complete("Score this")


def test_importance_uses_the_seed_prompt_and_the_model_score(recorded):
    prompts = []

    def handler(request):
        prompts.append(json.loads(request.content)["messages"][0]["content"])
        return httpx.Response(200, json=recorded("groq_chat_completion"))

    fallback = FixedScorer(0.2)
    scorer = LLMImportanceScorer(groq_answering(handler), fallback=fallback)

    assert scorer.score('My "best" friend is moving away', {"emotion": "sad"}) == 0.8
    assert fallback.calls == 0
    [prompt] = prompts
    assert prompt.startswith("You are an AI that scores the importance of conversation memories")
    assert "User Message: \"My 'best' friend is moving away\"" in prompt
    assert 'Context: {"emotion": "sad"}' in prompt
    assert prompt.rstrip().endswith("Output only a single number between 0.0 and 1.0:")


@pytest.mark.parametrize("answer, expected", [("Score: 1.7", 1.0), ("0.35\n", 0.35)])
def test_importance_clamps_and_parses_chatty_answers(recorded, answer, expected):
    def handler(request):
        body = recorded("groq_chat_completion")
        body["choices"][0]["message"]["content"] = answer
        return httpx.Response(200, json=body)

    assert LLMImportanceScorer(groq_answering(handler), fallback=FixedScorer(0.2)).score("x", {}) == expected


def test_importance_falls_back_offline_on_outage_or_nonsense(recorded):
    def outage(request):
        return httpx.Response(429, json=recorded("groq_rate_limited"))

    def nonsense(request):
        body = recorded("groq_chat_completion")
        body["choices"][0]["message"]["content"] = "I cannot score that."
        return httpx.Response(200, json=body)

    for handler in (outage, nonsense):
        fallback = FixedScorer(0.42)
        assert LLMImportanceScorer(groq_answering(handler), fallback=fallback).score("x", {}) == 0.42
        assert fallback.calls == 1
