-- 004: one profile per Discord user (seed's 004_user_profiles.sql). There is no Letta here: a
-- companion's state is the rows keyed by user_id, so letta_* columns stay NULL; they are kept
-- so the seed's schema (and tools written against it) still apply.
CREATE TABLE user_profiles (
    id SERIAL PRIMARY KEY,
    user_id VARCHAR(100) NOT NULL UNIQUE,
    discord_username VARCHAR(100),
    display_name VARCHAR(100),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_active TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    letta_agent_id VARCHAR(100) UNIQUE,
    letta_user_id VARCHAR(100),
    status VARCHAR(20) DEFAULT 'active',
    initialization_completed BOOLEAN DEFAULT FALSE,
    personality_initialized BOOLEAN DEFAULT FALSE,
    preferences JSONB DEFAULT '{}',
    timezone VARCHAR(50) DEFAULT 'UTC',
    preferred_language VARCHAR(10) DEFAULT 'en',
    total_interactions INTEGER DEFAULT 0,
    total_proactive_conversations INTEGER DEFAULT 0,
    average_session_length_minutes FLOAT,
    data_retention_days INTEGER DEFAULT 365,
    analytics_consent BOOLEAN DEFAULT TRUE,
    proactive_messaging_enabled BOOLEAN DEFAULT TRUE
);

CREATE INDEX idx_user_profiles_status_active ON user_profiles(status, last_active);
