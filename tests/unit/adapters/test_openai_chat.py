"""The OpenAI-compatible reply model (Chutes by default) against recorded wire shapes (no live calls).
openai 3.x ships its own httpx fork (httpx2), so its mock transport comes from there."""
import json

import httpx2
import pytest

from companion.adapters.openai_chat import OpenAIChatReplyModel
from companion.domain.models import ReplyContext
from companion.ports import ProviderError

PRIMARY, FALLBACK = "Qwen/Qwen3-Next-80B-A3B-Instruct", "Qwen/Qwen2.5-72B-Instruct"

CONTEXT = ReplyContext(
    messages=[{"role": "system", "content": "You are a warm companion."}, {"role": "user", "content": "I got a new puppy today!"}],
    user_message="I got a new puppy today!", emotion_label="exuberant", traits={}, memories=[],
)


def model_answering(handler, **kwargs):
    transport = httpx2.MockTransport(handler)
    return OpenAIChatReplyModel(
        api_key="cpk_test", primary_model=PRIMARY, fallback_model=FALLBACK,
        base_url="https://llm.chutes.test/v1", max_retries=0,
        http_client=httpx2.Client(transport=transport), **kwargs,
    )


def test_primary_model_reply_is_returned_with_its_usage(recorded):
    seen = []

    def handler(request):
        seen.append(request)
        return httpx2.Response(200, json=recorded("chutes_chat_completion"))

    reply = model_answering(handler).reply(CONTEXT)

    assert reply.text == "A puppy! That's wonderful news. What's his name?"
    assert (reply.model, reply.token_count, reply.fallback_used) == (PRIMARY, 427, False)
    [request] = seen
    assert request.url == "https://llm.chutes.test/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer cpk_test"
    body = json.loads(request.content)
    assert body["model"] == PRIMARY
    assert body["messages"] == CONTEXT.messages


def test_fallback_model_answers_when_the_primary_has_no_instances(recorded):
    asked = []

    def handler(request):
        model = json.loads(request.content)["model"]
        asked.append(model)
        if model == PRIMARY:
            return httpx2.Response(503, json=recorded("chutes_no_instances"))
        answer = recorded("chutes_chat_completion") | {"model": FALLBACK}
        return httpx2.Response(200, json=answer)

    reply = model_answering(handler).reply(CONTEXT)

    assert asked == [PRIMARY, FALLBACK]
    assert reply.fallback_used and reply.model == FALLBACK
    assert reply.text.startswith("A puppy!")


def test_an_empty_primary_reply_also_falls_back(recorded):
    def handler(request):
        answer = recorded("chutes_chat_completion")
        if json.loads(request.content)["model"] == PRIMARY:
            answer["choices"][0]["message"]["content"] = "<think>the user is happy</think>\n  "
        return httpx2.Response(200, json=answer)

    reply = model_answering(handler).reply(CONTEXT)
    assert reply.fallback_used and "think" not in reply.text


def test_both_models_failing_is_a_provider_error_naming_both(recorded):
    def handler(request):
        return httpx2.Response(503, json=recorded("chutes_no_instances"))

    with pytest.raises(ProviderError) as failure:
        model_answering(handler).reply(CONTEXT)
    assert PRIMARY in str(failure.value) and FALLBACK in str(failure.value)


def test_network_failure_is_a_provider_error():
    def handler(request):
        raise httpx2.ConnectError("connection refused")

    with pytest.raises(ProviderError):
        model_answering(handler).reply(CONTEXT)
