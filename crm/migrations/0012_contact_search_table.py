"""Fewer index entries per updated contact, and on PostgreSQL a search index of its own.

Why: PostgreSQL writes a new entry in every index of crm_contact for each updated row,
where SQLite touches only the indexes of the columns that changed; a re-import of
100,000 contacts rewrote all nine. Measured with EXPLAIN ANALYZE on that UPDATE
(100,000 rows, job titles changed): 3.3–4.0 s in all, of which the trigram GIN index
took ~1.5 s and the three b-trees dropped here ~0.4 s.

- The single-column organisation index repeats (organisation, last_name); the owner and
  do-not-contact indexes become partial, holding only contacts with an owner or flagged.
- PostgreSQL: the name and email trigram index moves to ``crm_contact_search`` (id,
  names, email, organisation_id), kept by triggers as SQLite keeps its FTS5 table of the
  same name (migration 0010): statement-level on insert and delete (one INSERT or DELETE
  per statement from its transition table, so COPY pays once), on truncate, and per row
  only when one of those really changed (``UPDATE OF … WHEN … IS DISTINCT FROM``). A
  re-import that changes job titles or phones then never touches the search index.
  (Search then reads ids from that table: crm/selectors/contact_search.py.)
"""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

#: The old index on crm_contact (migration 0011) and the new one's expression.
OLD_INDEX = "crm_contact_search_trgm"
#: What the search reads: names, email and organisation (crm/selectors/contact_search.py).
TRACKED = ("first_name", "last_name", "email", "organisation_id")
COLUMNS = ", ".join(("id",) + TRACKED)
CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in TRACKED)
TRIGRAMS = ", ".join(f"UPPER({c}::text) gin_trgm_ops" for c in ("first_name", "last_name", "email"))

CREATE = [
    f"DROP INDEX IF EXISTS {OLD_INDEX}",
    f"CREATE TABLE crm_contact_search AS SELECT {COLUMNS} FROM crm_contact",
    "ALTER TABLE crm_contact_search ADD PRIMARY KEY (id)",
    f"CREATE INDEX crm_contact_search_text ON crm_contact_search USING gin ({TRIGRAMS})",
    "CREATE INDEX crm_contact_search_organisation ON crm_contact_search (organisation_id)",
    f"""CREATE FUNCTION crm_contact_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO crm_contact_search ({COLUMNS}) SELECT {COLUMNS} FROM inserted;
         RETURN NULL;
       END $$""",
    """CREATE FUNCTION crm_contact_search_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         DELETE FROM crm_contact_search WHERE id IN (SELECT id FROM deleted);
         RETURN NULL;
       END $$""",
    """CREATE FUNCTION crm_contact_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE crm_contact_search SET first_name = NEW.first_name, last_name = NEW.last_name,
           email = NEW.email, organisation_id = NEW.organisation_id WHERE id = NEW.id;
         RETURN NULL;
       END $$""",
    """CREATE FUNCTION crm_contact_search_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         TRUNCATE crm_contact_search;
         RETURN NULL;
       END $$""",
    (
        "CREATE TRIGGER crm_contact_search_ai AFTER INSERT ON crm_contact REFERENCING NEW TABLE AS inserted "
        "FOR EACH STATEMENT EXECUTE FUNCTION crm_contact_search_inserted()"
    ),
    (
        "CREATE TRIGGER crm_contact_search_ad AFTER DELETE ON crm_contact REFERENCING OLD TABLE AS deleted "
        "FOR EACH STATEMENT EXECUTE FUNCTION crm_contact_search_deleted()"
    ),
    (
        f"CREATE TRIGGER crm_contact_search_au AFTER UPDATE OF {', '.join(TRACKED)} ON crm_contact "
        f"FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION crm_contact_search_updated()"
    ),
    (
        "CREATE TRIGGER crm_contact_search_at AFTER TRUNCATE ON crm_contact "
        "FOR EACH STATEMENT EXECUTE FUNCTION crm_contact_search_truncated()"
    ),
    "ANALYZE crm_contact_search",
]

DROP = [
    "DROP TABLE IF EXISTS crm_contact_search",
    *(f"DROP TRIGGER IF EXISTS crm_contact_search_{s} ON crm_contact" for s in ("ai", "ad", "au", "at")),
    *(f"DROP FUNCTION IF EXISTS crm_contact_search_{s}()" for s in ("inserted", "deleted", "updated", "truncated")),
    f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON crm_contact USING gin ({TRIGRAMS})",
]


def _sqlite_triggers():
    """The FTS5 triggers of crm_contact, as migration 0010 made them.

    SQLite alters a column by copying the table into a new one, and a table's triggers go
    with the old one: the AlterFields above drop them, so they are made again here.
    """
    fts = import_module("crm.migrations.0010_search_index")
    table = "crm_contact"
    statements = fts._sqlite_statements(table, *fts.INDEXED[table])
    return [
        sql.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1)
        for sql in statements
        if sql.startswith("CREATE TRIGGER")
    ]


def _run(postgresql=(), sqlite=()):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = postgresql if vendor == "postgresql" else sqlite() if vendor == "sqlite" and sqlite else []
        with schema_editor.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0011_contact_search_one_trigram_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Undone last: the reversed AlterFields below drop SQLite's triggers again.
        migrations.RunPython(migrations.RunPython.noop, _run(sqlite=_sqlite_triggers)),
        migrations.AlterField(
            model_name="contact",
            name="do_not_contact",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="contact",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="contacts",
                to="crm.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="owned_contacts",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="historicalcontact",
            name="do_not_contact",
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(condition=models.Q(("owner__isnull", False)), fields=["owner"], name="contact_owner"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                condition=models.Q(("do_not_contact", True)), fields=["id"], name="contact_do_not_contact"
            ),
        ),
        migrations.RunPython(_run(CREATE, _sqlite_triggers), _run(DROP)),
    ]
