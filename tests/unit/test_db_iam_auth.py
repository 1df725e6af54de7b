"""The application's database login in AWS: IAM authentication tokens for companion_app_login
(signed by boto3 under moto's credentials), reused while young, renewed before their 15-minute
life ends and at once after a refusal; the migrate function keeps the owner's master secret."""
import json
from urllib.parse import parse_qs, unquote, urlparse

import boto3
import pytest
from moto import mock_aws

from companion import config
from companion.config import DB_TOKEN_MAX_AGE, Settings

APP_ENV = {"DB_HOST": "companion.cluster-abc.us-east-1.rds.amazonaws.com", "DB_PORT": "5432",
           "DB_NAME": "companion", "DB_IAM_USER": "companion_app_login"}


class Clock:
    now = 5000.0

    def __call__(self):
        return self.now


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    clock = Clock()
    monkeypatch.setattr(config.time, "monotonic", clock)
    monkeypatch.setattr(config, "_rds_client", None)
    monkeypatch.setattr(config, "_iam_tokens", {})
    monkeypatch.setattr(config, "_secrets_provider", None)
    with mock_aws():
        rds = boto3.client("rds")
        sign = rds.generate_db_auth_token
        clock.signed = []

        def signing(**kwargs):
            clock.signed.append(kwargs)
            return sign(**kwargs)

        monkeypatch.setattr(rds, "generate_db_auth_token", signing)
        monkeypatch.setattr(config, "_rds_client", rds)
        yield clock


def login_of(url: str) -> tuple[str, str, dict]:
    parsed = urlparse(url)
    return unquote(parsed.username), unquote(parsed.password), parse_qs(parsed.query)


def test_the_app_logs_in_as_its_own_role_with_an_iam_token(aws):
    user, password, query = login_of(Settings.from_env(APP_ENV).database_url)
    assert user == "companion_app_login" and query["sslmode"] == ["require"]
    # An rds-db:connect presigned token for that user and endpoint (never the master password).
    token = parse_qs(urlparse("https://" + password).query)
    assert password.startswith(APP_ENV["DB_HOST"] + ":5432/?")
    assert token["Action"] == ["connect"] and token["DBUser"] == ["companion_app_login"]
    assert token["X-Amz-Expires"] == ["900"] and "X-Amz-Signature" in token


def test_a_token_is_reused_while_young_and_renewed_before_it_expires(aws):
    first = login_of(Settings.from_env(APP_ENV).database_url)[1]
    aws.now += DB_TOKEN_MAX_AGE - 1
    assert login_of(Settings.from_env(APP_ENV).database_url)[1] == first  # cached, still young
    assert len(aws.signed) == 1
    aws.now += 1  # 10 minutes on: a connection must not open with it any more
    Settings.from_env(APP_ENV)
    assert len(aws.signed) == 2
    assert aws.signed[-1] == {"DBHostname": APP_ENV["DB_HOST"], "Port": 5432, "DBUsername": "companion_app_login",
                              "Region": "us-east-1"}
    assert DB_TOKEN_MAX_AGE < 900  # renewed well before the token's own 15 minutes


def test_a_refused_token_is_replaced_at_once(aws):
    Settings.from_env(APP_ENV)
    Settings.from_env(APP_ENV, fresh=True)
    assert len(aws.signed) == 2


def test_the_migrate_function_keeps_the_owner(aws):
    sm = boto3.client("secretsmanager")
    arn = sm.create_secret(Name="db", SecretString=json.dumps({"username": "postgres", "password": "pw/1"}))["ARN"]
    owner_env = {k: v for k, v in APP_ENV.items() if k != "DB_IAM_USER"} | {"DB_SECRET_ARN": arn}
    user, password, _ = login_of(Settings.from_env(owner_env).database_url)
    assert (user, password) == ("postgres", "pw/1")
