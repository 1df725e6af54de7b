"""Configuration picks the engines: keys present -> production providers; none -> offline."""
import json

import boto3
import pytest
from moto import mock_aws

from companion.adapters.openai_chat import OpenAIChatReplyModel
from companion.adapters.gemini import GeminiEmbedder
from companion.adapters.importance import LLMImportanceScorer
from companion.adapters.offline_models import OfflineImportanceScorer, OfflineReplyModel
from companion import config
from companion.config import SECRET_KEYS, Settings
from companion.wiring import Container


def test_keys_select_the_production_providers():
    settings = Settings(chutes_api_key="c", groq_api_key="g", gemini_api_key="m", embedding_dimensions=768)
    container = Container(settings)
    assert isinstance(container.reply_model, OpenAIChatReplyModel)
    assert container.reply_model.fallback_model == settings.fallback_llm_model
    assert isinstance(container.embedder, GeminiEmbedder) and container.embedder.dim == 768
    assert isinstance(container.importance_scorer, LLMImportanceScorer)


def test_no_keys_select_the_offline_defaults():
    container = Container(Settings(embeddings="hashing"))
    assert isinstance(container.reply_model, OfflineReplyModel)
    assert isinstance(container.importance_scorer, OfflineImportanceScorer)


def test_a_model_server_of_ones_own_needs_no_key():
    settings = Settings.from_env({"REPLY_BASE_URL": "http://localhost:11434/v1", "PRIMARY_LLM_MODEL": "llama3.2",
                                  "FALLBACK_LLM_MODEL": ""})
    model = Container(settings).reply_model
    assert isinstance(model, OpenAIChatReplyModel)
    assert (model.base_url, model.primary_model, model.fallback_model) == ("http://localhost:11434/v1", "llama3.2", None)
    # Chutes' own address without a key is no backend: the offline responder answers.
    assert not Settings(reply_base_url="https://llm.chutes.ai/v1/").reply_backend_configured


def test_unknown_component_override_is_refused():
    with pytest.raises(AttributeError):
        Container(Settings(), reply_modle=object())


@mock_aws
def test_lambda_settings_come_from_secrets_manager(monkeypatch):
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    app = sm.create_secret(Name="companion/app", SecretString=json.dumps(
        {key: f"value-of-{key}" for key in SECRET_KEYS} | {"UNRELATED": "ignored"}))
    db = sm.create_secret(Name="companion/db", SecretString=json.dumps(
        {"username": "companion_admin", "password": "p@ss/word:1"}))
    env = {
        "APP_SECRET_ARN": app["ARN"], "DB_SECRET_ARN": db["ARN"], "DB_HOST": "aurora.example",
        "DB_NAME": "companion", "TURN_QUEUE_URL": "https://sqs.example/q.fifo", "EMBEDDING_DIMENSIONS": "1536",
    }
    monkeypatch.setattr(config, "_secrets_provider", None)  # one built under this test's mock
    settings = Settings.from_env(env)
    assert settings.chutes_api_key == "value-of-CHUTES_API_KEY"
    assert settings.discord_public_key == ""  # a plain parameter, never taken from the secret
    assert settings.embedding_dimensions == 1536
    # The password is URL-quoted so '@', '/' and ':' cannot break the URI.
    assert settings.database_url == (
        "postgresql://companion_admin:p%40ss%2Fword%3A1@aurora.example:5432/companion?sslmode=require"
    )


def test_plain_environment_wins_without_aws():
    settings = Settings.from_env({"DATABASE_URL": "postgresql://x/y", "GROQ_API_KEY": "g"})
    assert settings.database_url == "postgresql://x/y" and settings.groq_api_key == "g"


def test_services_get_every_provider_behind_a_circuit_breaker():
    from companion.adapters.breakers import GuardedEmbedder, GuardedReplyChannel, GuardedReplyModel, GuardedVectorStore
    from companion.adapters.hashing_embedder import HashingEmbedder

    model, discord, store = object(), object(), object()
    c = Container(Settings(database_url="postgresql://x/y"), reply_model=model, discord=discord,
                  vector_store=store, embedder=HashingEmbedder())
    assert isinstance(c.turns.reply_model, GuardedReplyModel) and c.turns.reply_model.inner is model
    assert isinstance(c.turns.replies, GuardedReplyChannel) and c.turns.replies.inner is discord
    assert c.api_turns.replies is c.api_replies  # the API's turns answer into its mailbox
    assert c.api_turns.reply_model.inner is model and c.api_turns.memory is c.memory
    assert isinstance(c.memory.store, GuardedVectorStore) and isinstance(c.memory.embedder, GuardedEmbedder)
    assert set(c.breakers) == {"vector index", "embedder", "reply model", "fast model", "discord"}


def test_every_fast_model_question_and_every_bot_call_goes_through_a_breaker():
    from companion.adapters.breakers import GuardedDiscordBot, GuardedFastModel

    from companion.adapters.hashing_embedder import HashingEmbedder

    c = Container(Settings(database_url="postgresql://x/y", groq_api_key="g"), discord=object(),
                  embedder=HashingEmbedder())
    guarded = c.guarded_fast_model
    assert isinstance(guarded, GuardedFastModel) and guarded.breaker is c.breakers["fast model"]
    # Importance, contradictions, consolidation summaries, nightly quirks: the same breaker.
    assert c.importance_scorer._model is guarded and c.conflict_judge._model is guarded
    assert c.consolidation.summarizer._model is guarded and c.quirk_detector._model is guarded
    screen_model = c.security.screen.fast_model
    assert isinstance(screen_model, GuardedFastModel) and screen_model.breaker is c.breakers["fast model"]
    assert isinstance(c.proactive.discord, GuardedDiscordBot) and c.proactive.discord.breaker is c.breakers["discord"]


def test_secrets_are_read_through_the_settings_source():
    reads = []

    def source(fresh=False):
        reads.append(fresh)
        return Settings(chutes_api_key="new-key" if fresh else "cached-key")

    c = Container(Settings(chutes_api_key="old-key"), settings_source=source)
    assert c.secret("chutes_api_key") == "cached-key"
    assert c.secret("chutes_api_key", fresh=True) == "new-key"
    assert reads == [False, True]
    assert Container(Settings(chutes_api_key="k")).secret("chutes_api_key") == "k"


def test_measured_thresholds_reach_the_services_that_use_them():
    """`make calibrate` prints CONFLICT_CANDIDATE_SIMILARITY, CONSOLIDATION_SIMILARITY, MERGE_SIMILARITY
    and RELATED_SIMILARITY: each is read and handed to its service; empty keeps the built-in value."""
    env = {"CONFLICT_CANDIDATE_SIMILARITY": "0.55", "CONSOLIDATION_SIMILARITY": "0.62", "MERGE_SIMILARITY": "0.91",
           "RELATED_SIMILARITY": "0.41", "EMBEDDINGS": "hashing",
           "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}  # never connected to here
    container = Container(Settings.from_env(env))
    assert container.conflicts.threshold == 0.55
    assert container.consolidation.threshold == 0.62
    assert container.merges.threshold == 0.91
    assert container.memory.related_similarity == 0.41
    unset = Container(Settings.from_env({"MERGE_SIMILARITY": "", "EMBEDDINGS": "hashing",
                                         "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}))
    assert unset.merges.threshold is None and unset.conflicts.threshold is None
