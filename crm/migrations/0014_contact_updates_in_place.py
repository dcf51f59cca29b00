"""PostgreSQL updates contacts in place (HOT): no index on updated_at, and half of each page kept free.

Why: a re-import of 100,000 contacts that changes their job titles spent 1.6–1.8 s in one
UPDATE on PostgreSQL, ~19 buffer visits a row, almost all of them writing a new entry in
each of the table's six indexes. PostgreSQL skips the indexes (a heap-only tuple) only when
no indexed column changes and the new version fits on the same page. updated_at changes on
every update, so its index ruled that out for every row; and a freshly imported table has
full pages. With the index gone and pages filled to half (fillfactor 50, so a page can take
a new version of each of its rows), the same UPDATE took 0.29–0.30 s (EXPLAIN ANALYZE, same
data). An update that changes a name, email, organisation or owner still writes index
entries, as before.

The price: the table takes twice the pages (~40 MB at 100,000 contacts), and the API's
`updated_since` filter on contacts reads the table (~20 ms at 100,000) instead of an index.
The retention report, which once read the contacts not edited in the period by that index,
reads privacy's kept latest activity instead (privacy migration 0001) and each stale
contact by key. Existing pages keep their fill until rewritten (``VACUUM FULL crm_contact``
at a quiet time applies it at once).

SQLite writes index entries only for the columns an update changes, and keeps the index:
the model's state is unchanged, as in migration 0013.
"""

from django.db import migrations

INDEX = "crm_contact_updated_6d80fc_idx"


def _in_place(enable: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            if enable:
                cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
                cursor.execute("ALTER TABLE crm_contact SET (fillfactor = 50)")
            else:
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON crm_contact (updated_at)")
                cursor.execute("ALTER TABLE crm_contact RESET (fillfactor)")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0013_contact_organisation_index_includes_id"),
    ]

    operations = [migrations.RunPython(_in_place(True), _in_place(False))]
