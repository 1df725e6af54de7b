-- 083: a memory's vector takes half the space in PostgreSQL, and its HNSW index a fifteenth.
--
-- Measured by benchmarks/storage.py (1536 dimensions, README "Storage"): per memory the float
-- vector took 8.3 KB of TOAST and the HNSW index 8.2 KB (each element holds the whole vector,
-- one element per 8 KB page), against 1.4 KB for the row itself.
--  * The vector is stored as halfvec (16-bit floats): 3 KB at 1536 dimensions. Rankings move
--    by rounding only (cosines within ~1e-3; LoCoMo recall unchanged, README).
--  * The HNSW index per dimension is built over the vector's binary code (one bit per
--    dimension, binary_quantize: 192 bytes at 1536) with Hamming distance; a search walks it for
--    a shortlist several times the rows wanted and re-ranks the shortlist by the exact cosine of
--    the stored halfvec (adapters/postgres/vectors.py), pgvector's "binary quantization with
--    re-ranking". The exact search of smaller users is unchanged.
--  * The two full-text GIN indexes are dropped: under row-level security PostgreSQL never uses
--    them (tsvector @@ tsquery is not LEAKPROOF, see 032); lexical recall reads the postings and
--    /forget by words matches candidates read through btrees.
-- Qdrant's side (float16 vectors, a new collection per model) is moved by `make reindex`.
-- (On an already large Aurora table the type change rewrites the table under an exclusive lock:
-- run this migration in a quiet hour, or build the new indexes by hand with CREATE INDEX
-- CONCURRENTLY after the change; the IF NOT EXISTS below then finds them.)
DROP INDEX IF EXISTS idx_memories_hnsw_384;
DROP INDEX IF EXISTS idx_memories_hnsw_768;
DROP INDEX IF EXISTS idx_memories_hnsw_1536;
DROP INDEX IF EXISTS idx_memories_hnsw_3072;
DROP INDEX IF EXISTS idx_memories_tsv;
DROP INDEX IF EXISTS idx_memories_search_tsv;

ALTER TABLE memories ALTER COLUMN embedding TYPE halfvec USING embedding::halfvec;

CREATE INDEX IF NOT EXISTS idx_memories_binary_384 ON memories
    USING hnsw ((binary_quantize(embedding)::bit(384)) bit_hamming_ops) WHERE embedding_dim = 384 AND valid_to IS NULL;
CREATE INDEX IF NOT EXISTS idx_memories_binary_768 ON memories
    USING hnsw ((binary_quantize(embedding)::bit(768)) bit_hamming_ops) WHERE embedding_dim = 768 AND valid_to IS NULL;
CREATE INDEX IF NOT EXISTS idx_memories_binary_1536 ON memories
    USING hnsw ((binary_quantize(embedding)::bit(1536)) bit_hamming_ops) WHERE embedding_dim = 1536 AND valid_to IS NULL;
CREATE INDEX IF NOT EXISTS idx_memories_binary_3072 ON memories
    USING hnsw ((binary_quantize(embedding)::bit(3072)) bit_hamming_ops) WHERE embedding_dim = 3072 AND valid_to IS NULL;
