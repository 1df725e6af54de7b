-- Reflection that learns (#23): what each user's nightly reflection noticed, and what a night of
-- reflections says about the whole fleet.
--
-- reflection_insights: one row per user per night: the conversation patterns (when, how long,
-- what about, who starts), the behaviour-change analysis (this week against the week before; the
-- fast model's or the rules'), the companion's emotional cycles (daily, weekly) and the short
-- "what I've noticed" sentences /personality and GET /personality/history show. It holds words
-- the user said (topics), so it is the user's data: row-level security (migration 010's event
-- trigger protects it as it is created), /export, /forget-me, and the retention purge.
CREATE TABLE reflection_insights (
    id BIGSERIAL PRIMARY KEY,
    user_id VARCHAR(100) NOT NULL,
    reflected_at TIMESTAMPTZ NOT NULL,
    conversation_patterns JSONB NOT NULL DEFAULT '[]',
    behaviour JSONB NOT NULL DEFAULT '{}',
    emotional_cycles JSONB NOT NULL DEFAULT '{}',
    insights JSONB NOT NULL DEFAULT '[]',
    analyst VARCHAR(20) NOT NULL
);
CREATE INDEX idx_reflection_insights_user ON reflection_insights (user_id, reflected_at DESC);
CREATE INDEX idx_reflection_insights_night ON reflection_insights (reflected_at);

-- system_insights: one row per UTC day, counts only (no user's words, no user id): how many users
-- were reflected, what kinds of insight and behaviour change were found, which analyst ran.
CREATE TABLE system_insights (
    day DATE PRIMARY KEY,
    computed_at TIMESTAMPTZ NOT NULL,
    insights JSONB NOT NULL
);
