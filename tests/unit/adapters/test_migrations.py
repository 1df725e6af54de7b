import psycopg
import pytest

from companion.adapters.migrations import MigrationError, apply_migrations, discover
from tests.conftest import MIGRATIONS


def test_migrations_apply_in_order_once(empty_database_url):
    applied = apply_migrations(empty_database_url, MIGRATIONS)
    assert applied == [m.name for m in discover(MIGRATIONS)]
    assert applied[0].startswith("001_") and len(applied) >= 6
    assert apply_migrations(empty_database_url, MIGRATIONS) == []  # idempotent
    with psycopg.connect(empty_database_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
    assert {"personality_state", "interactions", "quirks", "needs", "memory_conflicts",
            "user_profiles", "security_incidents", "memories", "schema_migrations"} <= tables


def test_an_edited_applied_migration_is_refused(empty_database_url, tmp_path):
    (tmp_path / "001_first.sql").write_text("CREATE TABLE a (id int);")
    apply_migrations(empty_database_url, tmp_path)
    (tmp_path / "001_first.sql").write_text("CREATE TABLE a (id bigint);")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        apply_migrations(empty_database_url, tmp_path)


def test_a_failing_migration_leaves_nothing_behind(empty_database_url, tmp_path):
    (tmp_path / "001_ok.sql").write_text("CREATE TABLE ok (id int);")
    (tmp_path / "002_bad.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    with pytest.raises(psycopg.Error):
        apply_migrations(empty_database_url, tmp_path)
    with psycopg.connect(empty_database_url) as conn:
        assert conn.execute("SELECT to_regclass('half')").fetchone()[0] is None
        assert [r[0] for r in conn.execute("SELECT version FROM schema_migrations")] == ["001"]


def test_badly_named_files_are_rejected(tmp_path):
    (tmp_path / "first.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNN_snake_case"):
        discover(tmp_path)


def test_one_current_personality_per_user_but_history_allowed(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = "INSERT INTO personality_state (user_id, openness, conscientiousness, extraversion, agreeableness, neuroticism, pleasure, arousal, dominance, is_current) VALUES ('u', .5,.5,.5,.5,.5, 0,0,0, %s)"
        conn.execute(row, (False,))
        conn.execute(row, (False,))  # the seed's UNIQUE(user_id, is_current) would refuse this
        conn.execute(row, (True,))
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(row, (True,))
