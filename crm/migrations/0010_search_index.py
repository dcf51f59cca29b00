"""A full-text index for the search box, kept current by the database itself.

SQLite: FTS5 tables with the trigram tokenizer (substring matches, as the search has
always offered) over organisation names, contact names and emails, and interaction
text; triggers update them on every insert, update and delete, so the quick log, the
forms, imports, restores and erasure all keep them current without a line of Python.
PostgreSQL: pg_trgm GIN indexes on the same columns, as Django's icontains writes them
(UPPER(column::text)), so ILIKE-style lookups use the index instead of scanning.
"""

from django.db import migrations

#: table → (FTS table, indexed columns)
INDEXED = {
    "crm_organisation": ("crm_organisation_search", ("name",)),
    "crm_contact": ("crm_contact_search", ("first_name", "last_name", "email")),
    "crm_interaction": ("crm_interaction_search", ("summary", "outcome")),
}


def _sqlite_statements(table, fts, columns):
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', tokenize='trigram')",
        (
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END"
        ),
        (
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END"
        ),
        (
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END"
        ),
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "sqlite":
            for table, (fts, columns) in INDEXED.items():
                for sql in _sqlite_statements(table, fts, columns):
                    cursor.execute(sql)
        elif vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for table, (_, columns) in INDEXED.items():
                for column in columns:
                    cursor.execute(
                        f"CREATE INDEX IF NOT EXISTS {table}_{column}_trgm ON {table} "
                        f"USING gin (UPPER({column}::text) gin_trgm_ops)"
                    )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for table, (fts, columns) in INDEXED.items():
            if vendor == "sqlite":
                for suffix in ("ai", "ad", "au"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
                cursor.execute(f"DROP TABLE IF EXISTS {fts}")
            elif vendor == "postgresql":
                for column in columns:
                    cursor.execute(f"DROP INDEX IF EXISTS {table}_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0009_contact_salutation"),
    ]

    operations = [migrations.RunPython(create, drop)]
