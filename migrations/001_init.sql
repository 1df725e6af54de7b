-- 001: core personality state and interaction log (seed's 001_init.sql).
-- Differences from the seed, each deliberate:
--  * no "uuid-ossp": gen_random_uuid() is built into PostgreSQL 13+ (Aurora 16 included).
--  * UNIQUE(user_id, is_current) would allow only ONE historical row per user; a partial unique
--    index enforces "one current state per user" and keeps history.
--  * the seed's "USING GIN(pad_before), USING GIN(pad_after)" is not valid SQL: two indexes.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE personality_state (
    id SERIAL PRIMARY KEY,
    timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    user_id VARCHAR(100) NOT NULL DEFAULT 'default_user',
    openness FLOAT NOT NULL CHECK (openness BETWEEN 0 AND 1),
    conscientiousness FLOAT NOT NULL CHECK (conscientiousness BETWEEN 0 AND 1),
    extraversion FLOAT NOT NULL CHECK (extraversion BETWEEN 0 AND 1),
    agreeableness FLOAT NOT NULL CHECK (agreeableness BETWEEN 0 AND 1),
    neuroticism FLOAT NOT NULL CHECK (neuroticism BETWEEN 0 AND 1),
    pleasure FLOAT NOT NULL CHECK (pleasure BETWEEN -1 AND 1),
    arousal FLOAT NOT NULL CHECK (arousal BETWEEN -1 AND 1),
    dominance FLOAT NOT NULL CHECK (dominance BETWEEN -1 AND 1),
    emotion_label VARCHAR(50),
    is_current BOOLEAN DEFAULT TRUE,
    pad_baseline JSONB DEFAULT '{"pleasure": 0.0, "arousal": 0.0, "dominance": 0.0}',
    session_id UUID,
    trigger_event VARCHAR(100)
);

CREATE TABLE interactions (
    id SERIAL PRIMARY KEY,
    timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    user_id VARCHAR(100) NOT NULL,
    user_message TEXT NOT NULL,
    agent_response TEXT NOT NULL,
    session_id UUID NOT NULL,
    pad_before JSONB,
    pad_after JSONB,
    emotion_before VARCHAR(50),
    emotion_after VARCHAR(50),
    response_time_ms INTEGER,
    token_count INTEGER,
    llm_model_used VARCHAR(100),
    is_proactive BOOLEAN DEFAULT FALSE,
    proactive_trigger VARCHAR(100),
    proactive_score FLOAT,
    memories_retrieved INTEGER DEFAULT 0,
    memories_stored INTEGER DEFAULT 0,
    error_occurred BOOLEAN DEFAULT FALSE,
    error_message TEXT,
    fallback_used BOOLEAN DEFAULT FALSE,
    security_check_passed BOOLEAN DEFAULT TRUE,
    security_threat_detected VARCHAR(100),
    user_initiated BOOLEAN DEFAULT TRUE,
    conversation_length INTEGER DEFAULT 1,
    user_satisfaction_implied FLOAT
);

CREATE UNIQUE INDEX uq_personality_one_current ON personality_state(user_id) WHERE is_current;
CREATE INDEX idx_personality_timeline ON personality_state(user_id, timestamp);
CREATE INDEX idx_interactions_user_recent ON interactions(user_id, timestamp DESC);
CREATE INDEX idx_interactions_session ON interactions(session_id);
CREATE INDEX idx_interactions_proactive ON interactions(user_id, is_proactive, timestamp) WHERE is_proactive = true;
CREATE INDEX idx_personality_pad_baseline ON personality_state USING GIN(pad_baseline);
CREATE INDEX idx_interactions_pad_before ON interactions USING GIN(pad_before);
CREATE INDEX idx_interactions_pad_after ON interactions USING GIN(pad_after);
