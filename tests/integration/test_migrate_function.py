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


def test_the_watchdog_answers_failed_before_the_function_would_be_killed(monkeypatch, cloudformation):
    import threading
    import time

    from companion.local.lambda_context import LocalLambdaContext

    module = load_handler("migrate")
    release = threading.Event()
    monkeypatch.setattr(module, "migrate", lambda time_left=None: release.wait(10) and [])
    monkeypatch.setattr(module, "WATCHDOG_MARGIN_S", 59.8)  # the local context has 60 s left
    url, received = cloudformation
    runner = threading.Thread(target=module.handler, args=(custom_resource_event(url), LocalLambdaContext()))
    runner.start()
    for _ in range(200):  # the stuck migration is still running when CloudFormation hears back
        if received:
            break
        time.sleep(0.05)
    release.set()
    runner.join(10)
    [response] = received  # one answer only, although the migration then "finished"
    assert response["Status"] == "FAILED" and "did not finish" in response["Reason"]


def test_a_held_migrations_lock_fails_fast(empty_database_url):
    import pytest

    from companion.adapters.migrations import _LOCK_ID, MigrationError, apply_migrations

    with psycopg.connect(empty_database_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
        with pytest.raises(MigrationError, match="lock"):
            apply_migrations(empty_database_url, MIGRATIONS, lock_timeout=0.2)


def test_an_unreachable_database_fails_within_the_connect_timeout():
    import pytest

    from companion.adapters.migrations import apply_migrations
    from tests.fakes import HungServer

    hung = HungServer()  # accepts the TCP connection, never speaks PostgreSQL
    try:
        port = hung.url.rsplit(":", 1)[1]
        with pytest.raises(psycopg.OperationalError):
            apply_migrations(f"postgresql://x@127.0.0.1:{port}/x", MIGRATIONS, connect_timeout=1)
    finally:
        hung.close()
