"""The search index, on PostgreSQL only (the embedded SQLite demo has no tsvector): GIN over
the published copies' stored vectors (written by articles/search.py)."""

from django.db import migrations

INDEXES = {
    "article_content_search": "ON articles_articlecontent USING gin (search_vector) WHERE state = 'published'",
}


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
