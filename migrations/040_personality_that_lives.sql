-- 040: personality that lives (issue 13).
-- personality_state keeps history: every change of mood inserts a row and clears is_current on
-- the previous one; the partial unique index from 001 (uq_personality_one_current) guarantees
-- exactly one current row per user (the seed's UNIQUE(user_id, is_current) would allow only one
-- historical row). is_current may no longer be NULL, which that index would not see.
UPDATE personality_state SET is_current = FALSE WHERE is_current IS NULL;
ALTER TABLE personality_state ALTER COLUMN is_current SET NOT NULL;

-- When the nightly drift last moved the baseline: a retried or repeated schedule the same night
-- does not drift twice.
ALTER TABLE personality_state ADD COLUMN baseline_drifted_at TIMESTAMPTZ;

-- The drift reads each user's last 7 days of pad_after; 001's (user_id, timestamp DESC) index
-- serves the per-user job, this one the set-based statement over all users.
CREATE INDEX idx_interactions_timestamp ON interactions(timestamp);

-- The needs decay statement touches every row still below 1.0.
CREATE INDEX idx_needs_growing ON needs(last_updated) WHERE current_level < 1.0;

-- One row per nightly personality evolution of a user: what drifted, which quirks changed, the
-- emotional trend (slope per day and volatility) and the needs' satisfaction patterns.
CREATE TABLE personality_evolutions (
    id BIGSERIAL PRIMARY KEY,
    user_id VARCHAR(100) NOT NULL,
    evolved_at TIMESTAMPTZ NOT NULL,
    baseline_before JSONB NOT NULL,
    baseline_after JSONB NOT NULL,
    interactions_in_window INTEGER NOT NULL,
    quirk_updates JSONB NOT NULL DEFAULT '[]',
    emotional_trend JSONB NOT NULL DEFAULT '{}',
    needs_patterns JSONB NOT NULL DEFAULT '{}',
    detector VARCHAR(50) NOT NULL
);
CREATE INDEX idx_personality_evolutions_user ON personality_evolutions(user_id, evolved_at DESC);

ALTER TABLE personality_evolutions ENABLE ROW LEVEL SECURITY;
ALTER TABLE personality_evolutions FORCE ROW LEVEL SECURITY;
CREATE POLICY personality_evolutions_owner ON personality_evolutions
    USING (user_id = current_setting('app.user_id', true))
    WITH CHECK (user_id = current_setting('app.user_id', true));
