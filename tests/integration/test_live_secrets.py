"""Secrets are read live: a password rotated in Secrets Manager reaches a warm worker."""
import json

import boto3
import psycopg
import pytest
from moto import mock_aws
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from companion import config
from companion.adapters.postgres import Database
from companion.local.runtime import LocalRuntime

ROLE = "rotator"
HBA_LINE = f"local all {ROLE} scram-sha-256\n"


@pytest.fixture
def password_role(pg_server):
    """A login role that must give its password (the embedded server trusts everyone else)."""
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        hba = admin.execute("SHOW hba_file").fetchone()[0]
        admin.execute(f"DROP ROLE IF EXISTS {ROLE}")
        admin.execute(f"CREATE ROLE {ROLE} LOGIN SUPERUSER PASSWORD 'first-password'")
        with open(hba) as f:
            original = f.read()
        with open(hba, "w") as f:
            f.write(HBA_LINE + original)
        admin.execute("SELECT pg_reload_conf()")
    yield
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        with open(hba, "w") as f:
            f.write(original)
        admin.execute("SELECT pg_reload_conf()")
        admin.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{ROLE}'")


@pytest.fixture
def secrets(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(config, "_secrets_provider", None)
    with mock_aws():
        yield boto3.client("secretsmanager")


def test_a_rotated_database_password_reaches_the_warm_worker(tmp_path, database_url, embedder, pg_server,
                                                             password_role, secrets):
    arn = secrets.create_secret(Name="db", SecretString=json.dumps(
        {"username": ROLE, "password": "first-password"}))["ARN"]
    where = conninfo_to_dict(database_url)
    asked = []

    def conninfo(fresh=False):
        asked.append(fresh)
        secret = config._get_secret(arn, fresh)  # the worker's own cached secret read
        return make_conninfo(**{**where, "user": secret["username"], "password": secret["password"]})

    runtime = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                           overrides={"database": Database(conninfo)})
    try:
        assert runtime.send("companion", {"message": "I got a new puppy today!"}, user_id="u1").replies
        # Rotation: the password changes, the secret with it, and the old session ends.
        with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
            admin.execute(f"ALTER ROLE {ROLE} PASSWORD 'second-password'")
            secrets.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": ROLE, "password": "second-password"}))
            admin.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{ROLE}'")
        second = runtime.send("companion", {"message": "His name is Sparky."}, user_id="u1")
    finally:
        runtime.close()
    assert len(second.replies) == 1
    assert asked[-2:] == [False, True]  # the cached password was refused, then re-read at once
    assert runtime.queue.dead_letters == []
