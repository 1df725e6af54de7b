-- 070: the companion reaches out — proactive decisions, the user's outreach settings, scheduled
-- run summaries and nightly reflection reports.

-- Outreach settings and sweep state on the profile (one row per user: the sweep's candidate
-- query reads only this table).
ALTER TABLE user_profiles
    ADD COLUMN quiet_hours_start SMALLINT NOT NULL DEFAULT 23 CHECK (quiet_hours_start BETWEEN 0 AND 23),
    ADD COLUMN quiet_hours_end SMALLINT NOT NULL DEFAULT 7 CHECK (quiet_hours_end BETWEEN 0 AND 23),
    -- 'default' (UTC, nobody said), 'inferred' (learnt from activity), 'user' (set with /settings)
    ADD COLUMN timezone_source VARCHAR(10) NOT NULL DEFAULT 'default'
        CHECK (timezone_source IN ('default', 'inferred', 'user')),
    -- the guild channel the user last talked in: where a DM falls back to when DMs are closed
    ADD COLUMN last_channel_id VARCHAR(32),
    -- when the proactive sweep may next score this user: a turn pushes it 4 h ahead, a decision
    -- an hour (or to when a limit lifts); 'infinity' pauses outreach until the user writes again
    ADD COLUMN proactive_next_check_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity';

-- The proactive sweep's candidate query: due, enabled, active users, by due time.
CREATE INDEX idx_user_profiles_proactive_due ON user_profiles (proactive_next_check_at)
    WHERE proactive_messaging_enabled AND status = 'active';
-- The nightly selection: users active in the last days.
CREATE INDEX idx_user_profiles_last_active ON user_profiles (last_active);

-- Every proactive decision, send or not, with the components that made it.
CREATE TABLE proactive_decisions (
    id BIGSERIAL PRIMARY KEY,
    user_id VARCHAR(100) NOT NULL,
    -- the sweep's scheduled time: (user_id, slot) is the job's idempotency key, so a redelivered
    -- job finds its decision instead of deciding (and sending) again
    slot TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL,
    outcome VARCHAR(10) NOT NULL CHECK (outcome IN ('send', 'decline', 'blocked')),
    reason VARCHAR(40),              -- blocked: the limit; decline: below_threshold
    total_score FLOAT,
    need_score FLOAT,
    timing_score FLOAT,
    personality_factor FLOAT,
    interaction_score FLOAT,
    recent_penalty FLOAT,
    threshold FLOAT,
    trigger_reason VARCHAR(40),
    components JSONB NOT NULL DEFAULT '{}',  -- sub-factors (histogram hour/day scores, stats ...)
    -- delivery of a 'send' decision
    status VARCHAR(10) NOT NULL DEFAULT 'none'
        CHECK (status IN ('none', 'pending', 'sent', 'skipped', 'failed')),
    content TEXT,
    starter_source VARCHAR(10),      -- 'model' | 'template'
    memory_id UUID,                  -- the memory the starter follows up, if any
    delivery VARCHAR(10),            -- 'dm' | 'channel'
    channel_id VARCHAR(32),
    message_id VARCHAR(32),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TIMESTAMPTZ,
    answered_at TIMESTAMPTZ,
    interaction_id INTEGER REFERENCES interactions(id) ON DELETE SET NULL,
    UNIQUE (user_id, slot)
);

CREATE INDEX idx_proactive_sent ON proactive_decisions (user_id, sent_at DESC) WHERE sent_at IS NOT NULL;
CREATE INDEX idx_proactive_decided ON proactive_decisions (decided_at);

-- One row per scheduled run (job + scheduled time): what the sweep selected and enqueued.
CREATE TABLE scheduled_runs (
    id BIGSERIAL PRIMARY KEY,
    job VARCHAR(40) NOT NULL,
    scheduled_for TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    users_selected INTEGER NOT NULL DEFAULT 0,
    jobs_enqueued INTEGER NOT NULL DEFAULT 0,
    rows_affected INTEGER,
    summary JSONB NOT NULL DEFAULT '{}',
    UNIQUE (job, scheduled_for)
);

-- The nightly reflection's report for one user and night.
CREATE TABLE reflection_reports (
    id BIGSERIAL PRIMARY KEY,
    user_id VARCHAR(100) NOT NULL,
    scheduled_for TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    status VARCHAR(10) NOT NULL CHECK (status IN ('succeeded', 'partial', 'failed')),
    report JSONB NOT NULL DEFAULT '{}',
    error TEXT,
    UNIQUE (user_id, scheduled_for)
);

CREATE INDEX idx_reflection_reports_night ON reflection_reports (scheduled_for, status);

-- Row-level security: migration 010's event trigger protected both per-user tables as they were
-- created (forced RLS, the user_isolation and cross_user_jobs policies); said here for the reader.
SELECT companion_protect('proactive_decisions');
SELECT companion_protect('reflection_reports');
