"""PostgreSQL only: a stored tsvector column and one multicolumn GIN index for the common
search (words + subject + grade); replaces the expression index of 0002. SQLite skips this."""

from django.db import migrations

# Frozen copies of question_bank.search_indexes at the time of writing.
FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "ALTER TABLE question_bank_item ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS qb_item_search ON question_bank_item "
    "USING gin (subject_id, grade, search_vector)",
    "DROP INDEX IF EXISTS qb_item_fts",
]
BACKWARDS = [
    "CREATE INDEX IF NOT EXISTS qb_item_fts ON question_bank_item "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
    "DROP INDEX IF EXISTS qb_item_search",
    "ALTER TABLE question_bank_item DROP COLUMN IF EXISTS search_vector",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARDS:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARDS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("question_bank", "0002_postgres_search")]
    operations = [migrations.RunPython(forwards, backwards)]
