-- 003: memory contradictions and their resolution (seed's 003_memory_conflicts.sql).
CREATE TABLE memory_conflicts (
    id SERIAL PRIMARY KEY,
    user_id VARCHAR(100) NOT NULL,
    conflict_type VARCHAR(50) NOT NULL,
    description TEXT NOT NULL,
    confidence FLOAT NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    primary_memory_id VARCHAR(100),
    conflicting_memory_id VARCHAR(100),
    related_memory_ids JSONB DEFAULT '[]',
    status VARCHAR(20) DEFAULT 'detected',
    resolution_method VARCHAR(50),
    resolution_notes TEXT,
    detected_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    resolved_at TIMESTAMPTZ,
    conversation_context JSONB,
    user_notified BOOLEAN DEFAULT FALSE
);

CREATE INDEX idx_memory_conflicts_user_status ON memory_conflicts(user_id, status);
