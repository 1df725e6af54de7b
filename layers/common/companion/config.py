"""Configuration from the environment (the seed's .env.example names), with secrets from AWS
Secrets Manager when running in Lambda.

Secrets are cached for ``SECRET_MAX_AGE`` seconds and re-read after that (or at once with
``fresh=True``, after a provider refused a credential): a rotated database password or a
replaced API key reaches warm containers without a redeploy. Secrets Manager is called with
short timeouts, so a slow API fails a turn or a deploy quickly instead of hanging it.

The database login: with ``DB_IAM_USER`` (the application's functions) the password is an IAM
authentication token for that least-privilege login (migration 061), signed locally by boto3 and
renewed well before its 15-minute life ends; with ``DB_SECRET_ARN`` (the migrate function) it is
the owner's, from Aurora's managed master secret."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, fields
from typing import Mapping

SECRET_MAX_AGE = 300
# IAM database tokens are valid for 15 minutes, checked when a connection opens (an open one
# lives on): a connection is never opened with a token older than this.
DB_TOKEN_MAX_AGE = 600
# Secret values that may come from the app secret (JSON) instead of plain environment variables.
# DISCORD_PUBLIC_KEY is not among them: it is a plain parameter (it verifies, it grants nothing).
DEFAULT_REPLY_BASE_URL = "https://llm.chutes.ai/v1"
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
    # The reply model: any OpenAI-compatible chat completions API (Chutes by default; Ollama,
    # LM Studio, vLLM, llama.cpp's server...). CHUTES_API_KEY is its key (the seed's name), which
    # a local server may not need: setting REPLY_BASE_URL alone turns the backend on.
    chutes_api_key: str = ""
    reply_base_url: str = DEFAULT_REPLY_BASE_URL
    primary_llm_model: str = "Qwen/Qwen3-Next-80B-A3B-Instruct"
    fallback_llm_model: str = "Qwen/Qwen2.5-72B-Instruct"  # empty: no fallback model
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
    job_queue_url: str = ""  # per-user background jobs (new memories, proactive checks, reflections)
    personality_salt: str = ""
    max_proactive_per_day: int = 3  # the seed's MAX_PROACTIVE_PER_DAY
    # Similarity thresholds measured for the deployment's embedder by `make calibrate` (0: the
    # built-in value for the embedder; see the README, "Calibrating thresholds").
    conflict_candidate_similarity: float = 0.0
    consolidation_similarity: float = 0.0
    merge_similarity: float = 0.0
    related_similarity: float = 0.0
    # How long a user's words are kept (memories and all built from them, interactions,
    # incidents), unless their profile sets its own: the template's DataRetentionDays.
    data_retention_days: int = 365

    @property
    def reply_backend_configured(self) -> bool:
        """A reply model to call: a key, or a server of one's own (a local one needs no key)."""
        return bool(self.chutes_api_key) or self.reply_base_url.rstrip("/") != DEFAULT_REPLY_BASE_URL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, fresh: bool = False) -> "Settings":
        env = dict(os.environ if env is None else env)
        env.update(_aws_secrets(env, fresh))
        values = {}
        for f in fields(cls):
            raw = env.get(f.name.upper())
            if raw is None:
                continue
            if f.type in ("float", float):
                values[f.name] = float(raw) if raw.strip() else 0.0
            else:
                values[f.name] = int(raw) if f.type in ("int", int) else raw
        if not values.get("database_url"):
            values["database_url"] = _database_url_from_aws(env, fresh)
        return cls(**values)


def running_in_lambda() -> bool:
    """In a deployed Lambda function (not `sam local invoke`, the local runtime or the tests)."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and not os.environ.get("AWS_SAM_LOCAL")


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
    """A libpq URI for DB_HOST/DB_NAME: as DB_IAM_USER with an IAM token, else as the owner from
    Aurora's managed master secret (DB_SECRET_ARN)."""
    host = env.get("DB_HOST")
    if not host:
        return ""
    port, name = env.get("DB_PORT", "5432"), env.get("DB_NAME", "companion")
    if env.get("DB_IAM_USER"):
        user = env["DB_IAM_USER"]
        return _libpq_uri(user, _iam_token(host, int(port), user, fresh), host, port, name)
    arn = env.get("DB_SECRET_ARN")
    if not arn:
        return ""
    secret = _get_secret(arn, fresh)
    return _libpq_uri(secret["username"], secret["password"], host, port, name)


def _libpq_uri(user: str, password: str, host: str, port: str, name: str) -> str:
    from urllib.parse import quote

    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{name}?sslmode=require"


_rds_client = None
_iam_tokens: dict[tuple[str, int, str], tuple[str, float]] = {}


def _iam_token(host: str, port: int, user: str, fresh: bool) -> str:
    """An IAM authentication token for ``user`` (rds-db:connect), reused while younger than
    DB_TOKEN_MAX_AGE and renewed at once with ``fresh`` (the server refused the last one).
    Signing is local: no network call, only the function's role credentials."""
    global _rds_client
    key = (host, port, user)
    cached = _iam_tokens.get(key)
    now = time.monotonic()
    if cached and not fresh and now - cached[1] < DB_TOKEN_MAX_AGE:
        return cached[0]
    if _rds_client is None:
        import boto3

        _rds_client = boto3.client("rds")
    token = _rds_client.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user,
                                               Region=_rds_client.meta.region_name)
    _iam_tokens[key] = (token, now)
    return token
