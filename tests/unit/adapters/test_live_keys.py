"""Provider API keys are live: a key replaced in the app secret reaches a warm container, on the
secret cache's age or at once when the provider refuses the old key (``LiveKey``), for the reply
model (Chutes), the fast model (Groq), the embedder (Gemini), the vector index (Qdrant Cloud) and
the Discord bot token (proactive DMs).

Each provider is a recorded wire fake that accepts only the key it currently holds; the secret is
in (moto) Secrets Manager, read through the container's own settings source."""
import json

import boto3
import httpx
import httpx2
import numpy as np
import pytest
from moto import mock_aws
from qdrant_client import QdrantClient

from companion import config
from companion.adapters.openai_chat import OpenAIChatReplyModel
from companion.adapters.discord_rest import DiscordRestClient
from companion.adapters.gemini import GeminiEmbedder
from companion.adapters.groq_fast import GroqFastModel
from companion.adapters.live_key import LiveKey
from companion.adapters.qdrant_store import QdrantVectorStore
from companion.config import Settings
from companion.domain.models import ReplyContext
from companion.ports import ProviderError
from companion.wiring import Container

CONTEXT = ReplyContext(messages=[{"role": "user", "content": "hi"}], user_message="hi", emotion_label="calm",
                       traits={}, memories=[])


class Provider:
    """A provider that accepts one key at a time and records the key of every request."""

    def __init__(self, name, key_of, answer, refusal):
        self.name, self.key_of, self.answer, self.refusal = name, key_of, answer, refusal
        self.accepted, self.keys_seen = "key-1", []

    def __call__(self, request):
        key = self.key_of(request)
        self.keys_seen.append(key)
        return self.answer(request) if key == self.accepted else self.refusal()


def chat_answer(recorded, http):
    return lambda request: http.Response(200, json=recorded("groq_chat_completion"))


def gemini_answer(recorded):
    def answer(request):
        body = recorded("gemini_batch_embed")
        body.pop("_comment")
        body["embeddings"] = [{"values": [0.5] * 8} for _ in json.loads(request.content)["requests"]]
        return httpx.Response(200, json=body)
    return answer


def qdrant_answer(request):
    return httpx.Response(200, json={"result": {"collections": [{"name": "memories_hybrid__m"}]},
                                     "status": "ok", "time": 0.0001})


# name -> (provider fake, build(source, transport handler) -> adapter, one call of the adapter)
def providers(recorded):
    bearer = lambda request: request.headers["authorization"].removeprefix("Bearer ")  # noqa: E731
    openai_401 = lambda http: lambda: http.Response(  # noqa: E731
        401, json={"error": {"message": "Invalid API key", "type": "invalid_request_error", "code": "invalid_api_key"}})
    return {
        "chutes": (
            Provider("chutes", bearer, chat_answer(recorded, httpx2), openai_401(httpx2)),
            lambda source, handler: OpenAIChatReplyModel(
                api_key="key-1", primary_model="m", base_url="https://llm.chutes.test/v1", max_retries=0,
                http_client=httpx2.Client(transport=httpx2.MockTransport(handler)), api_key_source=source),
            lambda adapter: adapter.reply(CONTEXT).text,
        ),
        "groq": (
            Provider("groq", bearer, chat_answer(recorded, httpx), openai_401(httpx)),
            lambda source, handler: GroqFastModel(
                api_key="key-1", model="m", max_retries=0, api_key_source=source,
                http_client=httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.groq.com")),
            lambda adapter: adapter.complete("score this"),
        ),
        "gemini": (
            Provider("gemini", lambda request: request.headers["x-goog-api-key"], gemini_answer(recorded),
                     lambda: httpx.Response(400, json=recorded("gemini_invalid_key"))),
            lambda source, handler: GeminiEmbedder(
                api_key="key-1", dim=8, api_key_source=source,
                http_client=httpx.Client(transport=httpx.MockTransport(handler))),
            lambda adapter: adapter.embed(["a puppy"]),
        ),
        "qdrant": (
            Provider("qdrant", lambda request: request.headers["api-key"], qdrant_answer,
                     lambda: httpx.Response(401, text="Invalid api-key")),
            lambda source, handler: QdrantVectorStore(LiveKey(
                "key-1", lambda key: QdrantClient(url="https://cluster.qdrant.test", api_key=key, check_compatibility=False,
                                                  transport=httpx.MockTransport(handler)),
                source=source, name="Qdrant")),
            lambda adapter: adapter.count_user_points("u1", []) == 0 and adapter._memory_collections(),
        ),
        "discord": (
            Provider("discord", lambda request: request.headers["authorization"].removeprefix("Bot "),
                     lambda request: httpx.Response(200, json={"id": "4412", "type": 1}),
                     lambda: httpx.Response(401, json={"message": "401: Unauthorized", "code": 0})),
            lambda source, handler: DiscordRestClient(
                "https://discord.test/api/v10", bot_token="key-1", bot_token_source=source,
                http_client=httpx.Client(transport=httpx.MockTransport(handler))),
            lambda adapter: adapter.open_dm("1234"),
        ),
    }


SECRET_NAMES = {"chutes": "CHUTES_API_KEY", "groq": "GROQ_API_KEY", "gemini": "GEMINI_API_KEY",
                "qdrant": "QDRANT_API_KEY", "discord": "DISCORD_BOT_TOKEN"}
FIELDS = {name: secret.lower() for name, secret in SECRET_NAMES.items()}
PROVIDERS = list(SECRET_NAMES)


@pytest.fixture
def app_secret(monkeypatch):
    """The app secret in (moto) Secrets Manager and a container reading it like Lambda's does."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(config, "_secrets_provider", None)
    with mock_aws():
        sm = boto3.client("secretsmanager")
        arn = sm.create_secret(Name="companion/app", SecretString=json.dumps(
            {name: "key-1" for name in SECRET_NAMES.values()}))["ARN"]
        env = {"APP_SECRET_ARN": arn}
        container = Container(Settings.from_env(env),
                              settings_source=lambda fresh=False: Settings.from_env(env, fresh=fresh))

        def rotate(secret_name, key):
            keys = json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])
            sm.put_secret_value(SecretId=arn, SecretString=json.dumps({**keys, secret_name: key}))

        yield container, rotate


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_key_revoked_and_replaced_in_the_secret_is_re_read_after_the_refusal(name, recorded, app_secret):
    container, rotate = app_secret
    provider, build, call = providers(recorded)[name]
    adapter = build(container.secret_source(FIELDS[name]), provider)
    assert call(adapter) is not None

    # Rotation: the provider now takes only key-2, and the secret holds it. The container's
    # cached copy still says key-1 (its cache has not aged out yet).
    rotate(SECRET_NAMES[name], "key-2")
    provider.accepted = "key-2"
    assert call(adapter) is not None

    assert provider.keys_seen[0] == "key-1"
    assert provider.keys_seen[-2:] == ["key-1", "key-2"]  # refused once, then re-read and accepted
    assert call(adapter) is not None and provider.keys_seen[-1] == "key-2"  # and kept


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_key_is_re_read_when_the_secret_cache_ages_out(name, recorded):
    provider, build, call = providers(recorded)[name]
    secret = {"key": "key-1"}
    adapter = build(lambda fresh=False: secret["key"], provider)  # a cache that just aged out
    call(adapter)
    secret["key"] = provider.accepted = "key-2"
    call(adapter)
    assert provider.keys_seen == ["key-1", "key-2"]  # the new key at once, no refused request


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_key_the_secret_does_not_replace_is_still_a_provider_failure(name, recorded):
    provider, build, call = providers(recorded)[name]
    adapter = build(lambda fresh=False: "key-1", provider)
    provider.accepted = "key-2"  # revoked, and nobody put the new key in the secret
    with pytest.raises(Exception) as raised:
        call(adapter)
    assert provider.keys_seen == ["key-1"]  # one refused request, no retry with the same key
    if name != "qdrant":  # the vector store's own errors become ProviderError at its breaker
        assert isinstance(raised.value, ProviderError)


def test_a_secrets_outage_keeps_the_key_in_use(recorded):
    provider, build, call = providers(recorded)["gemini"]

    def unreachable(fresh=False):
        raise TimeoutError("Secrets Manager did not answer")

    embedder = build(unreachable, provider)
    assert np.asarray(call(embedder)).shape == (1, 8)
    assert provider.keys_seen == ["key-1"]
