-- 032: the lexical leg reads postings through a btree, not the full-text GIN index.
-- Under row-level security PostgreSQL applies a query's conditions only after the policy's,
-- unless their functions are LEAKPROOF; tsvector @@ tsquery is not (nor are the array
-- operators), so for the application role the GIN index on search_tsv is never used and every
-- lexical search read all of the user's rows (37-100 ms at 100k memories). Text equality is
-- leakproof, so a btree on (user_id, term) serves the same question under RLS.
-- One row per (current memory, term): weight is BM25's term-frequency part for that term in that
-- memory (domain.lexical.bm25_tf with the same k1, b and average length), so a term's best
-- memories come first in the index, and a search reads a bounded number of them per term.
-- Kept by the trigger of migration 031, which now also writes and removes postings.
CREATE TABLE memory_postings (
    user_id VARCHAR(100) NOT NULL,
    term TEXT NOT NULL,
    memory_id UUID NOT NULL,
    weight REAL NOT NULL,
    PRIMARY KEY (user_id, term, memory_id)
);
CREATE INDEX idx_memory_postings_best ON memory_postings (user_id, term, weight DESC, memory_id);
SELECT companion_protect('memory_postings');

-- domain.lexical.bm25_tf(tf, length): BM25_K1 1.2, BM25_B 0.75, AVERAGE_TERMS 14 (a test checks
-- the two agree).
CREATE FUNCTION memory_term_weight(tf INTEGER, terms INTEGER) RETURNS REAL
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT (tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * terms / 14.0)))::real
$fn$;

-- A memory's postings, added (sign +1) or removed (sign -1) with its term counts.
CREATE FUNCTION memory_postings_change(memory UUID, owner VARCHAR, terms TSVECTOR, sign INTEGER) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    IF sign > 0 THEN
        INSERT INTO memory_postings (user_id, term, memory_id, weight)
            SELECT owner, t.lexeme, memory, memory_term_weight(cardinality(t.positions), length(terms))
            FROM unnest(terms) t
        ON CONFLICT (user_id, term, memory_id) DO UPDATE SET weight = EXCLUDED.weight;
    ELSE
        DELETE FROM memory_postings
        WHERE user_id = owner AND term = ANY(tsvector_to_array(terms)) AND memory_id = memory;
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION memories_lexicon_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.valid_to IS NULL THEN
        PERFORM memory_lexicon_count(OLD.user_id, OLD.search_tsv, -1);
        PERFORM memory_postings_change(OLD.id, OLD.user_id, OLD.search_tsv, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.valid_to IS NULL THEN
        PERFORM memory_lexicon_count(NEW.user_id, NEW.search_tsv, 1);
        PERFORM memory_postings_change(NEW.id, NEW.user_id, NEW.search_tsv, 1);
    END IF;
    RETURN NULL;
END
$fn$;

-- The postings of the memories already stored.
INSERT INTO memory_postings (user_id, term, memory_id, weight)
    SELECT m.user_id, t.lexeme, m.id, memory_term_weight(cardinality(t.positions), length(m.search_tsv))
    FROM memories m, unnest(m.search_tsv) t WHERE m.valid_to IS NULL;
