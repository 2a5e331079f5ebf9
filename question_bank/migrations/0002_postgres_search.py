"""PostgreSQL only: unaccent and pg_trgm, a full-text GIN index and a trigram GIN index on the
folded search text. Other databases (SQLite) skip this migration's work."""

from django.db import migrations

SQL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS qb_item_fts ON question_bank_item "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
    "CREATE INDEX IF NOT EXISTS qb_item_trgm ON question_bank_item "
    "USING gin (search_text gin_trgm_ops)",
]
REVERSE = ["DROP INDEX IF EXISTS qb_item_trgm", "DROP INDEX IF EXISTS qb_item_fts"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in SQL:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("question_bank", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
