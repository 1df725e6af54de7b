-- 010: isolation enforced by the database (row-level security), not by every query's WHERE.
--
-- Roles (cluster-wide, so created only if missing; neither can log in, neither bypasses RLS):
--  * companion_app: what the application runs as. The application logs in with the deployment's
--    credentials (the embedded superuser locally, Aurora's master secret in AWS) and immediately
--    runs SET ROLE companion_app (Database, adapters/postgres/database.py), so every query is
--    subject to the policies below. Migrations run as the login itself: the owner.
--  * companion_jobs: cross-user scheduled work (sweeps, nightly jobs). Database.unscoped() runs
--    SET LOCAL ROLE companion_jobs for its one transaction; the cross_user_jobs policy lets that
--    role see every user's rows. Nothing else can: a session that forgets app.user_id sees nothing.
-- The login running migrations is granted both, so it may switch to them (PostgreSQL checks the
-- session user's memberships for SET ROLE).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'companion_app') THEN
        CREATE ROLE companion_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'companion_jobs') THEN
        CREATE ROLE companion_jobs NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
    IF NOT pg_has_role(current_user, 'companion_app', 'MEMBER') THEN
        EXECUTE format('GRANT companion_app TO %I', current_user);
    END IF;
    IF NOT pg_has_role(current_user, 'companion_jobs', 'MEMBER') THEN
        EXECUTE format('GRANT companion_jobs TO %I', current_user);
    END IF;
    IF NOT pg_has_role('companion_jobs', 'companion_app', 'MEMBER') THEN
        GRANT companion_app TO companion_jobs;  -- jobs use the application's table privileges
    END IF;
END $$;

-- Table privileges: data only (no DDL); tables that later migrations create are granted too.
GRANT USAGE ON SCHEMA public TO companion_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO companion_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO companion_app;
REVOKE ALL ON schema_migrations FROM companion_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO companion_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO companion_app;

-- One way to protect a user-owned table: RLS enabled and forced, the user policy, the jobs policy.
-- Idempotent. Tables that later migrations create get it automatically (the event trigger below),
-- and tests/integration/test_row_level_security.py checks every user_id table.
CREATE FUNCTION companion_protect(tbl regclass) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);  -- the owner too
    EXECUTE format('DROP POLICY IF EXISTS user_isolation ON %s', tbl);
    EXECUTE format($p$CREATE POLICY user_isolation ON %s
                        USING (user_id = current_setting('app.user_id', true))
                        WITH CHECK (user_id = current_setting('app.user_id', true))$p$, tbl);
    EXECUTE format('DROP POLICY IF EXISTS cross_user_jobs ON %s', tbl);
    EXECUTE format('CREATE POLICY cross_user_jobs ON %s TO companion_jobs USING (true) WITH CHECK (true)', tbl);
END
$fn$;

DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN
        SELECT c.oid::regclass
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
    LOOP
        PERFORM companion_protect(t);
    END LOOP;
END $$;

-- Later migrations (other aggregates, in any order) create their own user-owned tables: each is
-- protected as it is created or gains a user_id column, so no table can forget isolation, and
-- cross-user jobs see it too. A migration may still write its own policies; they add to these.
-- (Event triggers need a superuser, or rds_superuser on Aurora: the migration login is either.)
CREATE FUNCTION companion_protect_new_tables() RETURNS event_trigger LANGUAGE plpgsql AS $fn$
DECLARE
    obj record;
BEGIN
    -- companion_protect's own ALTER TABLE fires this trigger again: do nothing while it runs.
    IF current_setting('companion.protecting', true) = 'on' THEN
        RETURN;
    END IF;
    FOR obj IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE object_type = 'table' LOOP
        IF EXISTS (SELECT 1 FROM pg_attribute
                   WHERE attrelid = obj.objid AND attname = 'user_id' AND NOT attisdropped)
           AND NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = obj.objid AND polname = 'cross_user_jobs')
        THEN
            PERFORM set_config('companion.protecting', 'on', true);
            PERFORM companion_protect(obj.objid::regclass);
            PERFORM set_config('companion.protecting', 'off', true);
        END IF;
    END LOOP;
END
$fn$;

CREATE EVENT TRIGGER companion_protect_user_tables ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE')
    EXECUTE FUNCTION companion_protect_new_tables();
