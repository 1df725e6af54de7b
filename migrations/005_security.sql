-- 005: security incidents (seed's 005_security.sql).
CREATE TABLE security_incidents (
    id SERIAL PRIMARY KEY,
    user_id VARCHAR(100) NOT NULL,
    incident_type VARCHAR(50) NOT NULL,
    severity VARCHAR(20) NOT NULL,
    confidence FLOAT NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    detected_content TEXT NOT NULL,
    detection_method VARCHAR(50),
    threat_indicators JSONB,
    response_generated BOOLEAN DEFAULT FALSE,
    response_content TEXT,
    user_warned BOOLEAN DEFAULT FALSE,
    is_repeat_offense BOOLEAN DEFAULT FALSE,
    previous_incident_count INTEGER DEFAULT 0,
    escalation_level INTEGER DEFAULT 1,
    detected_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    resolved_at TIMESTAMPTZ,
    interaction_id INTEGER REFERENCES interactions(id),
    admin_reviewed BOOLEAN DEFAULT FALSE,
    admin_notes TEXT,
    false_positive BOOLEAN
);

CREATE INDEX idx_security_incidents_user_time ON security_incidents(user_id, detected_at DESC);
