-- 007: a memory can be saved before it is embedded.
-- When the embedding provider is down, the turn still answers and the user's message is still
-- remembered: the row is written without a vector (embedding_input keeps the exact text to embed,
-- the message in its conversational context) and a later pass embeds and indexes it. Until
-- then, full-text search over content_tsv can still find it.
ALTER TABLE memories
    ALTER COLUMN embedding_model DROP NOT NULL,
    ALTER COLUMN embedding_dim DROP NOT NULL,
    ALTER COLUMN embedding DROP NOT NULL,
    ADD COLUMN embedding_input TEXT,
    ADD CONSTRAINT memories_embedding_all_or_nothing CHECK (
        (embedding IS NULL) = (embedding_model IS NULL)
        AND (embedding IS NULL) = (embedding_dim IS NULL)
    );

CREATE INDEX idx_memories_unembedded ON memories(user_id, created_at) WHERE embedding IS NULL;
