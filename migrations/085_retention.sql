-- 085: retention that reaches memories and what is built from them (issue 20, item 5).

-- A user's data_retention_days was 365 for everyone (the column's default; nothing else ever set
-- it). NULL now means "the deployment's": DATA_RETENTION_DAYS, the template's DataRetentionDays
-- parameter, so changing it changes every user who has no retention of their own.
ALTER TABLE user_profiles ALTER COLUMN data_retention_days DROP DEFAULT;
UPDATE user_profiles SET data_retention_days = NULL WHERE data_retention_days = 365;
ALTER TABLE user_profiles ADD CONSTRAINT user_profiles_retention_days_positive
    CHECK (data_retention_days IS NULL OR data_retention_days >= 1);

-- Deleting a row checks every foreign key pointing at it. These had no index, so each deleted
-- memory or interaction made PostgreSQL read the whole referencing table (memories for a summary's
-- sources and for an interaction's memories; decisions and incidents for an interaction): the
-- purge deletes millions a day at scale. Partial: only rows that point somewhere.
CREATE INDEX idx_memories_consolidated_into ON memories (consolidated_into) WHERE consolidated_into IS NOT NULL;
CREATE INDEX idx_memories_source_interaction ON memories (source_interaction_id) WHERE source_interaction_id IS NOT NULL;
CREATE INDEX idx_proactive_decisions_interaction ON proactive_decisions (interaction_id) WHERE interaction_id IS NOT NULL;
CREATE INDEX idx_security_incidents_interaction ON security_incidents (interaction_id) WHERE interaction_id IS NOT NULL;

-- /why records quote the memories a reply was made from (and the older statements they
-- replaced): an interaction younger than the retention can quote a memory older than it.
-- recalled_since is the time of the oldest words a record quotes, kept by a trigger from the
-- record itself, so the daily purge finds the records to clear through an index instead of
-- reading them all. A summary quotes its sources: it counts as old as the oldest of them (the
-- purge deletes it with the first to expire). A pinned fact (/remember) is kept past the
-- retention: the purge marks its entries "pinned" and they no longer count.
CREATE FUNCTION explanation_recalled_since(explanation JSONB) RETURNS TIMESTAMPTZ
LANGUAGE sql STABLE AS $fn$
    SELECT min(LEAST((e->>'created_at')::timestamptz,
                     CASE WHEN e->>'memory_type' = 'semantic' THEN
                         (SELECT min(s.created_at) FROM memories s WHERE s.consolidated_into = (e->>'id')::uuid)
                     END))
    FROM jsonb_array_elements(
        CASE WHEN jsonb_typeof(explanation->'memories') = 'array' THEN explanation->'memories' ELSE '[]' END
        || CASE WHEN jsonb_typeof(explanation->'history') = 'array' THEN explanation->'history' ELSE '[]' END) e
    WHERE e ? 'content' AND e ? 'created_at' AND NOT coalesce((e->>'pinned')::boolean, false)
$fn$;

CREATE FUNCTION interactions_recalled_since_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.recalled_since := explanation_recalled_since(NEW.explanation);
    RETURN NEW;
END
$fn$;

ALTER TABLE interactions ADD COLUMN recalled_since TIMESTAMPTZ;
UPDATE interactions SET recalled_since = explanation_recalled_since(explanation) WHERE explanation IS NOT NULL;
CREATE TRIGGER interactions_recalled_since BEFORE INSERT OR UPDATE OF explanation ON interactions
    FOR EACH ROW EXECUTE FUNCTION interactions_recalled_since_trigger();
CREATE INDEX idx_interactions_recalled_since ON interactions (recalled_since) WHERE recalled_since IS NOT NULL;
