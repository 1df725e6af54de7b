"""Configuration from the environment (the seed's .env.example names), with secrets from AWS
Secrets Manager when running in Lambda.

Secrets are cached for ``SECRET_MAX_AGE`` seconds and re-read after that (or at once with
``fresh=True``, after a provider refused a credential): a rotated database password or a
replaced API key reaches warm containers without a redeploy. Secrets Manager is called with
short timeouts, so a slow API fails a turn or a deploy quickly instead of hanging it."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Mapping

SECRET_MAX_AGE = 300
# Secret values that may come from the app secret (JSON) instead of plain environment variables.
# DISCORD_PUBLIC_KEY is not among them: it is a plain parameter (it verifies, it grants nothing).
SECRET_KEYS = (
    "DISCORD_BOT_TOKEN", "CHUTES_API_KEY", "GROQ_API_KEY",
    "GEMINI_API_KEY", "QDRANT_API_KEY",
)


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    database_role: str = "companion_app"  # the RLS-bound role the app switches to (migration 010)
    qdrant_url: str = ""
    qdrant_api_key: str = ""
    qdrant_path: str = ""  # local mode; ":memory:" in tests
    # Where memories are searched: "qdrant" (Cloud, or local mode when QDRANT_PATH is set),
    # "postgres" (pgvector + BM25 full-text), or "auto": Qdrant when one is configured, else
    # PostgreSQL (the embedded default: Qdrant local mode scans in Python, see the README).
    memory_index: str = "auto"
    remember_replies: int = 0  # 1: the companion's replies become memories too (author "companion")
    redis_url: str = ""
    chutes_api_key: str = ""
    chutes_base_url: str = "https://llm.chutes.ai/v1"
    primary_llm_model: str = "Qwen/Qwen3-Next-80B-A3B-Instruct"
    fallback_llm_model: str = "Qwen/Qwen2.5-72B-Instruct"
    groq_api_key: str = ""
    scoring_llm_model: str = "meta-llama/llama-4-maverick-17b-128e-instruct"
    security_llm_model: str = ""  # the injection screen's fast model; empty = SCORING_LLM_MODEL
    gemini_api_key: str = ""
    embedding_model: str = "gemini-embedding-001"
    embedding_dimensions: int = 1536
    embeddings: str = "auto"  # auto | gemini | onnx | hashing
    discord_public_key: str = ""
    discord_application_id: str = ""
    discord_bot_token: str = ""
    discord_api_base: str = "https://discord.com/api/v10"
    turn_queue_url: str = ""
    personality_salt: str = ""
    max_proactive_per_day: int = 3  # the seed's MAX_PROACTIVE_PER_DAY

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, fresh: bool = False) -> "Settings":
        env = dict(os.environ if env is None else env)
        env.update(_aws_secrets(env, fresh))
        values = {}
        for f in fields(cls):
            raw = env.get(f.name.upper())
            if raw is None:
                continue
            values[f.name] = int(raw) if f.type in ("int", int) else raw
        if not values.get("database_url"):
            values["database_url"] = _database_url_from_aws(env, fresh)
        return cls(**values)


_secrets_provider = None


def _get_secret(arn: str, fresh: bool) -> dict:
    """A JSON secret through Powertools' cache, on a client with short timeouts."""
    global _secrets_provider
    if _secrets_provider is None:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider
        from botocore.config import Config

        _secrets_provider = SecretsProvider(boto_config=Config(
            connect_timeout=2, read_timeout=3, retries={"max_attempts": 2, "mode": "standard"}))
    return _secrets_provider.get(arn, transform="json", max_age=SECRET_MAX_AGE, force_fetch=fresh)


def _aws_secrets(env: Mapping[str, str], fresh: bool = False) -> dict[str, str]:
    """The app secret's JSON keys (APP_SECRET_ARN), cached for SECRET_MAX_AGE seconds."""
    arn = env.get("APP_SECRET_ARN")
    if not arn:
        return {}
    secret = _get_secret(arn, fresh)
    return {k: str(v) for k, v in secret.items() if k in SECRET_KEYS and v}


def _database_url_from_aws(env: Mapping[str, str], fresh: bool = False) -> str:
    """A libpq URI from Aurora's managed master secret (DB_SECRET_ARN) and DB_HOST/DB_NAME."""
    arn, host = env.get("DB_SECRET_ARN"), env.get("DB_HOST")
    if not (arn and host):
        return ""
    from urllib.parse import quote

    secret = _get_secret(arn, fresh)
    user, password = quote(secret["username"], safe=""), quote(secret["password"], safe="")
    port, name = env.get("DB_PORT", "5432"), env.get("DB_NAME", "companion")
    return f"postgresql://{user}:{password}@{host}:{port}/{name}?sslmode=require"
