-- 050: /why — what each reply was made from, recorded when the turn is persisted.
-- The recalled memories (ids, text, scores), PAD before/after with the appraisal rule, the needs
-- and quirks lines of the prompt, the model and whether a fallback answered. Read back by /why,
-- never recomputed; a /forget marks the forgotten memory's entry instead of leaving its text.
-- A column of interactions (not a table of its own): it lives and dies with the interaction row,
-- so export, erasure and row-level security on interactions cover it.
ALTER TABLE interactions ADD COLUMN explanation JSONB;
