-- 080: the REST API's credentials and idempotency records (functions/api).
--
-- api_keys holds no user data and is read before any user is known (to authenticate a request),
-- so it has no user_id column and no row-level security; a client key lists the users it may act
-- for. Only a SHA-256 of each key is stored: keys are 256-bit random secrets, so a fast hash is
-- enough (no dictionary to attack), and a leaked table cannot be replayed as credentials.
CREATE TABLE api_keys (
    key_id VARCHAR(16) PRIMARY KEY,          -- the key's public part: listed, and used to revoke it
    key_hash CHAR(64) NOT NULL,              -- sha256 hex of the whole key
    role VARCHAR(10) NOT NULL CHECK (role IN ('client', 'admin')),
    user_ids TEXT[] NOT NULL DEFAULT '{}',   -- the users a client key may act for
    label VARCHAR(100) NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    revoked_at TIMESTAMPTZ,
    CHECK (role = 'admin' OR cardinality(user_ids) > 0)
);

-- One row per (user, Idempotency-Key) of POST /chat/message: the request's fingerprint (a reused
-- key with a different body is refused) and, once answered, the response a retry gets back.
CREATE TABLE api_idempotency (
    user_id VARCHAR(100) NOT NULL,
    idempotency_key VARCHAR(255) NOT NULL,
    request_hash CHAR(64) NOT NULL,
    response JSONB,                          -- NULL while the first request is still running
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    completed_at TIMESTAMPTZ,
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX idx_api_idempotency_created ON api_idempotency(created_at);

ALTER TABLE api_idempotency ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_idempotency FORCE ROW LEVEL SECURITY;
CREATE POLICY api_idempotency_own_rows ON api_idempotency
    USING (user_id = current_setting('app.user_id', true))
    WITH CHECK (user_id = current_setting('app.user_id', true));
