-- 006: memory metadata, and idempotent turns.
-- PostgreSQL is the source of truth for memories: content, scores, lifecycle and the vector
-- itself (pgvector), tagged with the model that made it. Qdrant is the serving index built from
-- these rows, so it can be rebuilt, and a memory whose indexing failed is never lost
-- (indexed_at stays NULL until the upsert succeeds).
CREATE TABLE memories (
    id UUID PRIMARY KEY,
    user_id VARCHAR(100) NOT NULL,
    memory_type VARCHAR(20) NOT NULL CHECK (memory_type IN ('episodic', 'semantic')),
    content TEXT NOT NULL,
    importance FLOAT NOT NULL CHECK (importance BETWEEN 0 AND 1),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_accessed TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    access_count INTEGER NOT NULL DEFAULT 0,
    embedding_model VARCHAR(100) NOT NULL,
    embedding_dim INTEGER NOT NULL,
    embedding vector NOT NULL,
    source_interaction_id INTEGER REFERENCES interactions(id) ON DELETE SET NULL,
    consolidated_into UUID REFERENCES memories(id) ON DELETE SET NULL,
    -- Zep-style validity: a contradicted fact is closed, not deleted.
    valid_from TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    valid_to TIMESTAMPTZ,
    indexed_at TIMESTAMPTZ,
    content_tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,
    CHECK (vector_dims(embedding) = embedding_dim)
);

CREATE INDEX idx_memories_user_recent ON memories(user_id, created_at DESC);
CREATE INDEX idx_memories_user_type ON memories(user_id, memory_type);
CREATE INDEX idx_memories_unindexed ON memories(user_id) WHERE indexed_at IS NULL;
CREATE INDEX idx_memories_tsv ON memories USING GIN(content_tsv);

-- A Discord interaction is processed once: SQS may deliver a turn twice, the second delivery
-- finds this key and re-sends the stored reply instead of running the turn again.
ALTER TABLE interactions ADD COLUMN interaction_key VARCHAR(40);
CREATE UNIQUE INDEX uq_interactions_key ON interactions(interaction_key) WHERE interaction_key IS NOT NULL;
