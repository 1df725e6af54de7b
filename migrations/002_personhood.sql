-- 002: quirks and psychological needs (seed's 002_personhood.sql).
CREATE TABLE quirks (
    id SERIAL PRIMARY KEY,
    user_id VARCHAR(100) NOT NULL,
    name VARCHAR(100) NOT NULL,
    category VARCHAR(50) NOT NULL,
    description TEXT NOT NULL,
    strength FLOAT NOT NULL DEFAULT 0.0 CHECK (strength BETWEEN 0 AND 1),
    first_observed TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_reinforced TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    observation_count INTEGER DEFAULT 1,
    reinforcement_count INTEGER DEFAULT 0,
    decay_rate FLOAT DEFAULT 0.05,
    is_active BOOLEAN DEFAULT TRUE,
    confidence FLOAT DEFAULT 0.1,
    examples JSONB DEFAULT '[]',
    context_triggers JSONB DEFAULT '[]',
    UNIQUE(user_id, name)
);

CREATE TABLE needs (
    id SERIAL PRIMARY KEY,
    user_id VARCHAR(100) NOT NULL,
    need_type VARCHAR(50) NOT NULL,
    current_level FLOAT NOT NULL DEFAULT 0.5 CHECK (current_level BETWEEN 0 AND 1),
    baseline_level FLOAT NOT NULL DEFAULT 0.5 CHECK (baseline_level BETWEEN 0 AND 1),
    last_satisfied TIMESTAMPTZ,
    last_updated TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    decay_rate FLOAT NOT NULL DEFAULT 0.02,
    satisfaction_rate FLOAT NOT NULL DEFAULT 0.1,
    satisfaction_pattern JSONB DEFAULT '{}',
    trigger_threshold FLOAT DEFAULT 0.8,
    influence_on_mood FLOAT DEFAULT 0.1,
    proactive_weight FLOAT DEFAULT 1.0,
    UNIQUE(user_id, need_type)
);

CREATE INDEX idx_quirks_user_active ON quirks(user_id, is_active);
CREATE INDEX idx_quirks_strength ON quirks(user_id, strength DESC) WHERE is_active = true;
CREATE INDEX idx_quirks_category ON quirks(user_id, category);
CREATE INDEX idx_needs_user ON needs(user_id);
CREATE INDEX idx_needs_urgent ON needs(user_id, current_level DESC) WHERE current_level > 0.8;
CREATE INDEX idx_needs_updated ON needs(last_updated);
