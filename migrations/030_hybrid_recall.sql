-- 030: memories are recalled by meaning and by words, and know who said them.
--  * author: 'user' (what the user said) or 'companion' (the companion's own replies, so "what did
--    you recommend last time?" can be answered); author_name is the speaker's display name.
--  * search_text: the text a memory is retrieved by (date, speaker, content with relative dates
--    resolved, image caption), separate from the user-visible content and rebuildable
--    (recipe_version; MemoryService.reindex). context_text is the message it answered, which
--    joins the embedded text.
--  * search_terms: the stemmed content terms of search_text (companion.domain.lexical); both
--    lexical engines index exactly these (Qdrant as a sparse vector, here as a 'simple' tsvector
--    ranked with BM25), so the two rankings agree.
ALTER TABLE memories
    ADD COLUMN author VARCHAR(20) NOT NULL DEFAULT 'user' CHECK (author IN ('user', 'companion')),
    ADD COLUMN author_name VARCHAR(100),
    ADD COLUMN caption TEXT,
    ADD COLUMN context_text TEXT,
    ADD COLUMN search_text TEXT,
    ADD COLUMN search_terms TEXT,
    ADD COLUMN recipe_version INTEGER,
    ADD COLUMN search_tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', coalesce(search_terms, ''))) STORED;

CREATE INDEX idx_memories_search_tsv ON memories USING GIN(search_tsv);
-- Dense recall scans one user's rows in this index's order of user, then ranks by distance.
CREATE INDEX idx_memories_user_model ON memories(user_id, embedding_model) WHERE valid_to IS NULL;
