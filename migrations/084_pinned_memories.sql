-- 084: pinned facts (/remember). A pinned memory is one the person asked the companion to keep:
-- importance 1.0, never re-scored, consolidated into a summary or merged with a near-duplicate;
-- only /forget (or /forget-me) removes it. A newer fact can still replace it (a conflict's
-- resolution sets valid_to and keeps it as history, as for any memory).
ALTER TABLE memories ADD COLUMN pinned BOOLEAN NOT NULL DEFAULT false;
-- A user's pinned facts, read by index (/memories lists them first; /remember looks for a repeat).
CREATE INDEX idx_memories_user_pinned ON memories(user_id, created_at DESC) WHERE pinned;
