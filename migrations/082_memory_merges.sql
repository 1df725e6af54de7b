-- 082: near-duplicate merge (services/merges.py). A new memory that only repeats a current one
-- is merged into it: it leaves the current memories (valid_to, so recall, the indexes, the
-- lexicon and the counts of current memories drop it, as they drop a replaced fact) and points
-- at the memory it repeated. Nothing the user said is deleted by a merge. Forgetting the memory
-- forgets its repeats with it (ON DELETE CASCADE), and so does retention.
ALTER TABLE memories ADD COLUMN merged_into UUID REFERENCES memories(id) ON DELETE CASCADE;
-- The cascade (and /forget) looks repeats up by the memory they were merged into.
CREATE INDEX idx_memories_merged_into ON memories(merged_into) WHERE merged_into IS NOT NULL;
