-- 031: recall stays fast with tens of thousands of memories per user.
--
-- Dense leg: an HNSW index per embedding dimension. The embedding column has no fixed dimension
-- (the model decides it, and the model id carries it), and pgvector indexes only a fixed one, so
-- each supported dimension gets a partial expression index on the cast to that dimension. A
-- query uses it by ordering on the same cast with the same predicate (adapters/postgres/vectors.py),
-- with hnsw.iterative_scan so the user_id filter cannot starve the result. 384: the offline MiniLM;
-- 768 and 1536: Gemini's reduced dimensions; 3072 (Gemini's native) as halfvec, since HNSW indexes
-- vector up to 2000 dimensions. Other dimensions are searched exactly.
-- Iterative scans need pgvector >= 0.8 (Aurora PostgreSQL 16.13 ships it): a database created
-- with an older default is brought to the newest version installed first.
-- (On an already large Aurora table, build these by hand with CREATE INDEX CONCURRENTLY first:
-- the migration's CREATE INDEX IF NOT EXISTS then finds them.)
ALTER EXTENSION vector UPDATE;
CREATE INDEX IF NOT EXISTS idx_memories_hnsw_384 ON memories
    USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE embedding_dim = 384 AND valid_to IS NULL;
CREATE INDEX IF NOT EXISTS idx_memories_hnsw_768 ON memories
    USING hnsw ((embedding::vector(768)) vector_cosine_ops) WHERE embedding_dim = 768 AND valid_to IS NULL;
CREATE INDEX IF NOT EXISTS idx_memories_hnsw_1536 ON memories
    USING hnsw ((embedding::vector(1536)) vector_cosine_ops) WHERE embedding_dim = 1536 AND valid_to IS NULL;
CREATE INDEX IF NOT EXISTS idx_memories_hnsw_3072 ON memories
    USING hnsw ((embedding::halfvec(3072)) halfvec_cosine_ops) WHERE embedding_dim = 3072 AND valid_to IS NULL;

-- Lexical leg: BM25 needs, for each query term, how many of the user's current memories contain
-- it (document frequency), and how many current memories the user has. Counting them at query
-- time reads every matching row (thousands for a common word at 10k memories); these two tables
-- keep the counts, maintained by the trigger below on every insert, delete, re-index and
-- validity change, so a search reads one row per query term. Terms are search_tsv's lexemes
-- (the stemmed terms of domain.lexical). A count that drops to zero is deleted, so erasing a
-- user's memories leaves no row here.
CREATE TABLE memory_lexicon (
    user_id VARCHAR(100) NOT NULL,
    term TEXT NOT NULL,
    documents INTEGER NOT NULL,
    PRIMARY KEY (user_id, term)
);
CREATE TABLE memory_lexicon_size (
    user_id VARCHAR(100) PRIMARY KEY,
    documents INTEGER NOT NULL
);
SELECT companion_protect('memory_lexicon');
SELECT companion_protect('memory_lexicon_size');

-- Adds sign (+1 or -1) to the counts of one memory's terms and to its user's size. Terms are
-- taken in sorted order (unnest of a tsvector is sorted), so two writers lock rows in one order.
CREATE FUNCTION memory_lexicon_count(owner VARCHAR, terms TSVECTOR, sign INTEGER) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO memory_lexicon (user_id, term, documents)
        SELECT owner, t.lexeme, sign FROM unnest(terms) t
    ON CONFLICT (user_id, term) DO UPDATE SET documents = memory_lexicon.documents + EXCLUDED.documents;
    INSERT INTO memory_lexicon_size (user_id, documents) VALUES (owner, sign)
    ON CONFLICT (user_id) DO UPDATE SET documents = memory_lexicon_size.documents + EXCLUDED.documents;
    IF sign < 0 THEN
        DELETE FROM memory_lexicon WHERE user_id = owner AND term = ANY(tsvector_to_array(terms)) AND documents <= 0;
        DELETE FROM memory_lexicon_size WHERE user_id = owner AND documents <= 0;
    END IF;
END
$fn$;

-- A memory counts while it is current (valid_to IS NULL), as lexical recall searches only those.
CREATE FUNCTION memories_lexicon_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.valid_to IS NULL THEN
        PERFORM memory_lexicon_count(OLD.user_id, OLD.search_tsv, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.valid_to IS NULL THEN
        PERFORM memory_lexicon_count(NEW.user_id, NEW.search_tsv, 1);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER memories_lexicon_insert_delete AFTER INSERT OR DELETE ON memories
    FOR EACH ROW EXECUTE FUNCTION memories_lexicon_trigger();
CREATE TRIGGER memories_lexicon_update AFTER UPDATE ON memories
    FOR EACH ROW WHEN (OLD.search_tsv IS DISTINCT FROM NEW.search_tsv
                       OR (OLD.valid_to IS NULL) <> (NEW.valid_to IS NULL)
                       OR OLD.user_id <> NEW.user_id)
    EXECUTE FUNCTION memories_lexicon_trigger();

-- The counts of the memories already stored.
INSERT INTO memory_lexicon (user_id, term, documents)
    SELECT m.user_id, t.lexeme, count(*) FROM memories m, unnest(m.search_tsv) t
    WHERE m.valid_to IS NULL GROUP BY m.user_id, t.lexeme;
INSERT INTO memory_lexicon_size (user_id, documents)
    SELECT user_id, count(*) FROM memories WHERE valid_to IS NULL GROUP BY user_id;
