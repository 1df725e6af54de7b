"""The migrate function: direct invocation and the CloudFormation custom-resource protocol."""
import psycopg

from companion.local.functions import load_handler
from tests.conftest import MIGRATIONS


def custom_resource_event(url, request_type="Create"):
    return {
        "RequestType": request_type, "ResponseURL": url, "StackId": "arn:aws:cloudformation:us-east-1:1:stack/companion/x",
        "RequestId": "req-1", "LogicalResourceId": "Migrations", "ResourceType": "Custom::Migrations",
        "ResourceProperties": {"CodeVersion": "3"},
    }


def test_direct_invocation_applies_pending_migrations(migrate, lambda_context, empty_database_url):
    first = migrate({"action": "migrate"}, lambda_context)
    assert first["applied"][0] == "001_init.sql"
    assert migrate({"action": "migrate"}, lambda_context) == {"applied": []}


def test_custom_resource_create_reports_success(migrate, lambda_context, cloudformation, empty_database_url):
    url, received = cloudformation
    migrate(custom_resource_event(url), lambda_context)
    [response] = received
    assert response["Status"] == "SUCCESS" and response["RequestId"] == "req-1"
    assert "001_init.sql" in response["Data"]["Applied"]
    with psycopg.connect(empty_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] >= 6


def test_custom_resource_delete_keeps_the_data(migrate, lambda_context, cloudformation, empty_database_url):
    url, received = cloudformation
    migrate(custom_resource_event(url, "Delete"), lambda_context)
    assert received[0]["Status"] == "SUCCESS"
    with psycopg.connect(empty_database_url) as conn:
        assert conn.execute("SELECT to_regclass('schema_migrations')").fetchone()[0] is None  # nothing ran


def test_custom_resource_failure_is_reported_not_hung(monkeypatch, lambda_context, cloudformation):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
    monkeypatch.setenv("MIGRATIONS_DIR", str(MIGRATIONS))
    url, received = cloudformation
    load_handler("migrate").handler(custom_resource_event(url), lambda_context)
    assert received[0]["Status"] == "FAILED" and "OperationalError" in received[0]["Reason"]
