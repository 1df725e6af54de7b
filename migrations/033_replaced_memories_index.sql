-- 033: a user's replaced memories (valid_to set by a conflict's resolution), read by index.
-- /forget by words matches the text of candidates read through btrees (under row-level security
-- the full-text GIN index is unused, see 032): the BM25 postings hold the current memories, and
-- this partial index the replaced ones, which a user may well want forgotten too ("my old
-- address"). Small: only memories that stopped being current.
CREATE INDEX IF NOT EXISTS idx_memories_user_replaced ON memories(user_id) WHERE valid_to IS NOT NULL;
