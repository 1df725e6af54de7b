-- 041: the hourly need growth updates current_level and last_updated of (nearly) every row in
-- one statement, which reads the table sequentially; an index on either column serves no query
-- and only costs an index insertion per row per hour (measured in benchmarks/bench_personality.py).
-- idx_needs_urgent (current_level > 0.8) stays: it serves the proactive sweep.
DROP INDEX IF EXISTS idx_needs_growing;
DROP INDEX IF EXISTS idx_needs_updated;
-- idx_needs_user (user_id) duplicates the leading column of UNIQUE (user_id, need_type), which
-- serves every per-user read; one index fewer to maintain on each of those updates.
DROP INDEX IF EXISTS idx_needs_user;
