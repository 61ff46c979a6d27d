"""Indexes for the contacts screens and the audience engine, on PostgreSQL only: the
embedded demo runs on SQLite, which has neither jsonb/GIN nor NULLS LAST in an index.

- contact_attributes_gin: custom-attribute equality, which rules compile to jsonb @>;
- contact_people_seen: the people list's default order (last seen, newest first, unknown
  last) over users and leads, matching the list's WHERE and ORDER BY exactly."""

from django.db import migrations

INDEXES = {
    "contact_attributes_gin": "ON contacts_contact USING gin (attributes jsonb_path_ops)",
    "contact_people_seen": (
        "ON contacts_contact (workspace_id, last_seen_at DESC NULLS LAST, id DESC) "
        "WHERE merged_into_id IS NULL AND NOT (role = 'visitor')"
    ),
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
    dependencies = [("contacts", "0004_audience")]
    operations = [migrations.RunPython(create, drop)]
