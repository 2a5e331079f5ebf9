"""PostgreSQL search structures (migration 0003 creates them; the benchmark drops them during a
bulk load and rebuilds them once, which is much faster than maintaining GIN indexes per row).

- `search_vector`: a stored generated tsvector of the folded search text, so ranking reads a
  column instead of re-parsing every matching row's text.
- one multicolumn GIN index (btree_gin) over subject, grade and the vector: the usual search
  (words + subject + grade) is a single index scan instead of a BitmapAnd of two indexes.
- the trigram index serves substring lookups (near-duplicate candidates, fuzzy matching).
"""

COLUMN = (
    "ALTER TABLE question_bank_item ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED"
)
EXTENSIONS = ["CREATE EXTENSION IF NOT EXISTS btree_gin"]
CREATE_INDEXES = [
    "CREATE INDEX IF NOT EXISTS qb_item_search ON question_bank_item "
    "USING gin (subject_id, grade, search_vector)",
    "CREATE INDEX IF NOT EXISTS qb_item_trgm ON question_bank_item "
    "USING gin (search_text gin_trgm_ops)",
]
REVERSE_INDEXES = ["DROP INDEX IF EXISTS qb_item_search", "DROP INDEX IF EXISTS qb_item_trgm"]
OLD_INDEXES = ["DROP INDEX IF EXISTS qb_item_fts"]
