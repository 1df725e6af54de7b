"""Isolation enforced by PostgreSQL (migration 010): the application runs as companion_app, every
user-owned table has row-level security forced, and a query that forgets its filter (or runs
under another user's app.user_id) sees nothing of anyone else."""
import psycopg
import pytest

from companion.domain.lexical import terms

USER_TABLES_SQL = """
    SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
    ORDER BY 1"""


def test_every_table_with_a_user_id_has_row_level_security_enabled_and_forced(db_admin):
    """Whichever migration created them (the event trigger of migration 010 protects new ones)."""
    tables = db_admin.execute(USER_TABLES_SQL).fetchall()
    assert {"interactions", "memories", "personality_state", "user_profiles", "security_incidents"} <= {
        t["name"] for t in tables}
    for table in tables:
        assert table["enabled"] and table["forced"], f"{table['name']}: run companion_protect on it"
        policies = db_admin.execute(
            "SELECT policyname, roles::text[] AS roles, qual, with_check FROM pg_policies "
            "WHERE schemaname = 'public' AND tablename = %s", (table["name"],)).fetchall()
        keyed = [p for p in policies if "current_setting('app.user_id'" in (p["qual"] or "")
                 and "current_setting('app.user_id'" in (p["with_check"] or p["qual"] or "")]
        assert keyed, f"{table['name']} has no policy keyed on app.user_id"
        assert any(p["roles"] == ["companion_jobs"] for p in policies), \
            f"{table['name']} is invisible to cross-user jobs: run companion_protect on it"


def test_a_table_created_later_is_protected_as_it_is_created(db_admin, runtime):
    db_admin.execute("CREATE TABLE later_feature (id SERIAL PRIMARY KEY, user_id VARCHAR(100) NOT NULL, note TEXT)")
    db_admin.execute("CREATE TABLE later_unowned (id SERIAL PRIMARY KEY, note TEXT)")
    db_admin.execute("ALTER TABLE later_unowned ADD COLUMN user_id VARCHAR(100)")
    for table in ("later_feature", "later_unowned"):
        row = db_admin.execute("SELECT relrowsecurity AS e, relforcerowsecurity AS f FROM pg_class WHERE relname = %s",
                               (table,)).fetchone()
        assert row == {"e": True, "f": True}, table
    db = runtime.container.database
    with db.scoped("u1") as tx:  # granted by default privileges, isolated by the policies
        tx.execute("INSERT INTO later_feature (user_id, note) VALUES ('u1', 'mine')")
    with db.scoped("u2") as tx:
        assert tx.execute("SELECT count(*) AS n FROM later_feature").fetchone()["n"] == 0
    with db.unscoped() as tx:
        assert tx.execute("SELECT count(*) AS n FROM later_feature").fetchone()["n"] == 1


def test_the_application_role_cannot_bypass_row_level_security(db_admin, runtime):
    role = db_admin.execute(
        "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'companion_app'").fetchone()
    assert role == {"rolsuper": False, "rolbypassrls": False, "rolcanlogin": False}
    jobs = db_admin.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'companion_jobs'").fetchone()
    assert jobs == {"rolsuper": False, "rolbypassrls": False}
    conn = runtime.container.database.connection()
    assert conn.execute("SELECT current_user AS u").fetchone()["u"] == "companion_app"
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with runtime.container.database.scoped("u1") as tx:
            tx.execute("SELECT * FROM schema_migrations")


def _seed_two_users(runtime):
    runtime.send("companion", {"message": "My sister Emma lives in Lisbon"}, user_id="u1")
    runtime.send("companion", {"message": "I collect vintage cameras"}, user_id="u2")


OWNED = ["user_profiles", "personality_state", "needs", "interactions", "memories"]


def test_raw_sql_sees_only_the_scoped_users_rows_and_nothing_unscoped(runtime, db_admin):
    _seed_two_users(runtime)
    assert db_admin.execute("SELECT count(*) AS n FROM memories").fetchone()["n"] == 2
    db = runtime.container.database
    for table in OWNED:
        with db.scoped("u2") as tx:  # no WHERE at all: the policy is the filter
            owners = {r["user_id"] for r in tx.execute(f"SELECT user_id FROM {table}").fetchall()}
        assert owners == {"u2"}, table
        with db.scoped("nobody") as tx:
            assert tx.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"] == 0, table
        conn = db.connection()  # outside scoped(): app.user_id is unset
        assert conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"] == 0, table


def test_wrong_user_cannot_write_or_change_another_users_rows(runtime):
    _seed_two_users(runtime)
    db = runtime.container.database
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with db.scoped("u2") as tx:
            tx.execute("INSERT INTO quirks (user_id, name, category, description) VALUES ('u1', 'x', 'y', 'z')")
    with db.scoped("u2") as tx:
        assert tx.execute("UPDATE memories SET importance = 0 WHERE user_id = 'u1'").rowcount == 0
        assert tx.execute("DELETE FROM interactions WHERE user_id = 'u1'").rowcount == 0
    assert runtime.container.memory_repo.count_memories("u1") == 1


def test_a_repository_call_under_the_wrong_app_user_id_sees_no_rows(runtime, monkeypatch):
    _seed_two_users(runtime)
    c = runtime.container
    assert c.interaction_repo.list_interactions("u1") and c.profile_repo.get_profile("u1")
    vector = c.memory.embedder.embed(["Emma Lisbon"], kind="query")[0]
    found = c.memory_repo.rankings("u1", c.memory.embedder.model_id, vector, terms("Emma Lisbon"), 5)
    assert found.dense and found.lexical  # rightly scoped, both recall legs find the memory
    real_scoped = type(c.database).scoped
    # Every repository query filters on user_id = 'u1', but the transaction says 'u2'.
    monkeypatch.setattr(type(c.database), "scoped", lambda self, user_id: real_scoped(self, "u2"))
    assert c.interaction_repo.list_interactions("u1") == []
    assert c.profile_repo.get_profile("u1") is None
    assert c.profile_repo.get_personality("u1") is None
    assert c.needs_repo.get_needs("u1") == []
    assert c.memory_repo.count_memories("u1") == 0
    found = c.memory_repo.rankings("u1", c.memory.embedder.model_id, vector, terms("Emma Lisbon"), 5)
    assert found.dense == [] and found.lexical == []


def test_cross_user_jobs_see_every_user_only_through_unscoped(runtime):
    _seed_two_users(runtime)
    db = runtime.container.database
    with db.unscoped() as tx:
        assert tx.execute("SELECT current_user AS u").fetchone()["u"] == "companion_jobs"
        owners = {r["user_id"] for r in tx.execute("SELECT user_id FROM memories").fetchall()}
    assert owners == {"u1", "u2"}
    # The role switch ends with the transaction.
    assert db.connection().execute("SELECT current_user AS u").fetchone()["u"] == "companion_app"
    assert db.connection().execute("SELECT count(*) AS n FROM memories").fetchone()["n"] == 0
