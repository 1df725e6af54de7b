-- 071: the daily retention purge deletes old mood history set-wise; this index lets it find the
-- rows by age across all users instead of scanning the whole table. Only history rows (the
-- current state of each user is never purged) are in it.
CREATE INDEX idx_personality_history_age ON personality_state (timestamp) WHERE NOT is_current;
