-- 051: a pair of memories is judged once. Conflict detection runs after a turn is saved; a
-- redelivered or retried check must not record the same contradiction twice.
CREATE UNIQUE INDEX uq_memory_conflicts_pair
    ON memory_conflicts(user_id, primary_memory_id, conflicting_memory_id);
