-- 061: the application's own login, with the least privilege it needs (instead of the master user).
--
-- companion_app_login may log in, and by itself do nothing more: its memberships in companion_app
-- and companion_jobs (010) are SET-only (INHERIT FALSE), so none of their privileges apply until
-- it switches, which Database does right after connecting (SET ROLE companion_app: row-level
-- security applies, no superuser, no BYPASSRLS) and for cross-user jobs (SET LOCAL ROLE
-- companion_jobs). It owns nothing and may create nothing, so it cannot ALTER or DROP a table,
-- disable or escape row-level security, or run any other DDL. Migrations keep running as the owner.
--
-- On Aurora it logs in with IAM database authentication: membership in rds_iam makes the server
-- accept a 15-minute token signed for rds-db:connect (config.py; no password to store or rotate),
-- and only that. The embedded PostgreSQL has no rds_iam: there it is a plain login (the local
-- server trusts its Unix socket), so the same migration runs everywhere.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'companion_app_login') THEN
        CREATE ROLE companion_app_login LOGIN INHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
    END IF;
    -- Re-granting updates the options of an existing membership (idempotent).
    GRANT companion_app TO companion_app_login WITH INHERIT FALSE, SET TRUE;
    GRANT companion_jobs TO companion_app_login WITH INHERIT FALSE, SET TRUE;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
        GRANT rds_iam TO companion_app_login;
    END IF;
END $$;

-- Nobody but the owner creates objects in the schema or temporary tables in the database
-- (PostgreSQL 15+ already keeps CREATE on public from PUBLIC; this states it for every version).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END $$;
