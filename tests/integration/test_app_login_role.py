"""The application's own login (migration 061), on the embedded PostgreSQL: the companion works
logged in as companion_app_login, and that login cannot escape row-level security, reach another
user's rows, become the owner, or change the schema."""
from pathlib import Path

import psycopg
import pytest
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from companion.adapters.postgres import Database
from companion.local.runtime import LocalRuntime

LOGIN = "companion_app_login"
MIGRATION = Path(__file__).parents[2] / "migrations" / "061_app_login_role.sql"


@pytest.fixture
def login_url(database_url):
    return make_conninfo(**{**conninfo_to_dict(database_url), "user": LOGIN})


@pytest.fixture
def two_users_talked(tmp_path, database_url, login_url, embedder):
    """Two users' turns, run by the companion logged in as the least-privilege login (the
    runtime's migrations run as the owner, as the migrate function does)."""
    runtime = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                           overrides={"database": Database(login_url)})
    try:
        for user, message in (("u1", "My sister Emma lives in Lisbon"), ("u2", "I play the cello on Sundays")):
            assert runtime.send("companion", {"message": message}, user_id=user).replies
        with runtime.container.database.unscoped() as conn:  # cross-user jobs work too
            assert conn.execute("SELECT count(*) AS n FROM interactions").fetchone()["n"] == 2
    finally:
        runtime.close()


@pytest.fixture
def login(login_url, two_users_talked, db_admin):
    # CREATE DATABASE ... TEMPLATE does not copy database-level grants (061's REVOKE TEMPORARY):
    # apply 061 to this test's copy again, which also shows it is idempotent.
    db_admin.execute(MIGRATION.read_text())
    with psycopg.connect(login_url, autocommit=True) as conn:
        yield conn


def test_the_login_is_no_superuser_and_bypasses_nothing(db_admin):
    role = db_admin.execute("SELECT * FROM pg_roles WHERE rolname = %s", (LOGIN,)).fetchone()
    assert role["rolcanlogin"] and role["rolinherit"]
    assert not (role["rolsuper"] or role["rolbypassrls"] or role["rolcreaterole"] or role["rolcreatedb"]
                or role["rolreplication"])
    memberships = db_admin.execute(
        """SELECT r.rolname, m.inherit_option, m.set_option FROM pg_auth_members m
           JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = %s::regrole""", (LOGIN,)).fetchall()
    # Switch-only memberships: none of the roles' privileges apply until it switches. No rds_iam
    # on the embedded server (the migration grants it where it exists, i.e. on Aurora).
    assert {(m["rolname"], m["inherit_option"], m["set_option"]) for m in memberships} == {
        ("companion_app", False, True), ("companion_jobs", False, True)}


def test_the_login_alone_reads_nothing(login):
    with pytest.raises(errors.InsufficientPrivilege):
        login.execute("SELECT count(*) FROM interactions")


def test_as_the_app_role_it_sees_only_the_scoped_users_rows(login):
    login.execute("SET ROLE companion_app")
    assert login.execute("SELECT count(*) FROM interactions").fetchone()[0] == 0  # no user: nothing
    login.execute("SELECT set_config('app.user_id', 'u1', false)")
    assert login.execute("SELECT DISTINCT user_id FROM interactions").fetchall() == [("u1",)]
    assert login.execute("SELECT DISTINCT user_id FROM memories").fetchall() == [("u1",)]
    with pytest.raises(errors.InsufficientPrivilege):  # writing another user's row
        login.execute("UPDATE user_profiles SET user_id = 'u2' WHERE user_id = 'u1'")


@pytest.mark.parametrize("escape", [
    "SET row_security = off; SELECT count(*) FROM interactions",
    "ALTER TABLE interactions DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE interactions NO FORCE ROW LEVEL SECURITY",
    "DROP POLICY user_isolation ON interactions",
    "CREATE POLICY everything ON interactions USING (true)",
    "SET ROLE postgres",
    "SET SESSION AUTHORIZATION postgres",
    "RESET ROLE; SELECT count(*) FROM interactions",
])
def test_it_cannot_bypass_row_level_security(login, escape):
    login.execute("SET ROLE companion_app")
    with pytest.raises((errors.InsufficientPrivilege, errors.UndefinedObject)):
        for statement in escape.split("; "):
            login.execute(statement)


@pytest.mark.parametrize("ddl", [
    "CREATE TABLE stolen (user_id text)",
    "CREATE TEMP TABLE scratch (n int)",
    "DROP TABLE interactions",
    "ALTER TABLE memories ADD COLUMN note text",
    "TRUNCATE interactions",
    "CREATE INDEX ON memories (content)",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "DELETE FROM schema_migrations",
    "GRANT companion_jobs TO companion_app",
])
@pytest.mark.parametrize("role", ["companion_app", "companion_jobs"])
def test_it_cannot_change_the_schema(login, role, ddl):
    login.execute(f"SET ROLE {role}")
    with pytest.raises(errors.InsufficientPrivilege):
        login.execute(ddl)


def test_on_aurora_the_migration_also_grants_rds_iam(db_admin):
    """The migration's rds_iam branch, on a server that has the role (created and rolled back
    inside one transaction: roles are cluster-wide)."""
    db_admin.execute("BEGIN")
    try:
        db_admin.execute("CREATE ROLE rds_iam NOLOGIN")
        db_admin.execute(MIGRATION.read_text())
        member = db_admin.execute("SELECT pg_has_role(%s, 'rds_iam', 'MEMBER') AS m", (LOGIN,)).fetchone()["m"]
        assert member
    finally:
        db_admin.execute("ROLLBACK")
    assert not db_admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam'").fetchall()
