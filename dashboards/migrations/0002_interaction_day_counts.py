"""PostgreSQL: interactions counted per local day, kind and logger, kept by triggers.

Why: the activity board's weekly counts read every interaction of the last twelve weeks
(~126,000 index entries at the large dataset, 25–29 ms of a 100 ms budget on every
request). Counts per day are ~2,500 rows for those weeks. SQLite reads the index in
a third of the time and keeps the plain query (dashboards/boards/activity.py).

The triggers run once per statement, from its transition tables, so a COPY or a bulk
delete of thousands of interactions costs one grouped upsert; rows are upserted in key
order, so two writers lock the same counts in the same order. Truncating the
interactions empties the counts (a backup restore, a test flush). The day is the local
date in ``dashboards_interaction_day_zone.zone`` (settings.TIME_ZONE when migrated); the
board uses the counts only while that is the current time zone, and
``manage.py rebuild_activity_counts`` recounts them for another.
"""

from django.conf import settings
from django.db import migrations

COUNTS = "dashboards_interaction_day"
ZONE = "dashboards_interaction_day_zone"
#: What a row of `r` is counted under: its local day (in the zone `z`), kind and logger (0: nobody).
KEY = "(r.occurred_at AT TIME ZONE z.zone)::date, r.kind, COALESCE(r.logged_by_id, 0)"


def _function(name: str, body: str) -> str:
    return f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"


def _upsert(*sources: tuple[str, int]) -> str:
    """Add each source's rows (+1 or -1 each) to the counts, in key order; nets of 0 write nothing."""
    parts = " UNION ALL ".join(f"SELECT {KEY}, {sign} FROM {source} r CROSS JOIN {ZONE} z" for source, sign in sources)
    return (
        f"INSERT INTO {COUNTS} (day, kind, logged_by, n) "
        f"SELECT d.day, d.kind, d.logged_by, SUM(d.n) FROM ({parts}) AS d (day, kind, logged_by, n) "
        f"GROUP BY 1, 2, 3 HAVING SUM(d.n) <> 0 ORDER BY 1, 2, 3 "
        f"ON CONFLICT (day, kind, logged_by) DO UPDATE SET n = {COUNTS}.n + EXCLUDED.n"
    )


CREATE = [
    f"CREATE TABLE {ZONE} (one boolean PRIMARY KEY DEFAULT true CHECK (one), zone text NOT NULL)",  # one row
    f"INSERT INTO {ZONE} (zone) VALUES (%s)",
    (
        f"CREATE TABLE {COUNTS} (day date NOT NULL, kind varchar(20) NOT NULL, logged_by bigint NOT NULL, "
        f"n integer NOT NULL, PRIMARY KEY (day, kind, logged_by))"
    ),
    _function(f"{COUNTS}_inserted", _upsert(("inserted", 1))),
    _function(f"{COUNTS}_deleted", _upsert(("deleted", -1))),
    _function(f"{COUNTS}_updated", _upsert(("inserted", 1), ("deleted", -1))),
    _function(f"{COUNTS}_truncated", f"TRUNCATE {COUNTS}"),
    (
        f"CREATE TRIGGER {COUNTS}_ai AFTER INSERT ON crm_interaction REFERENCING NEW TABLE AS inserted "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {COUNTS}_inserted()"
    ),
    (
        f"CREATE TRIGGER {COUNTS}_ad AFTER DELETE ON crm_interaction REFERENCING OLD TABLE AS deleted "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {COUNTS}_deleted()"
    ),
    # A trigger with transition tables cannot name columns (UPDATE OF …): every update statement
    # runs it, and an edit that changes none of the key's columns nets to nothing written.
    (
        f"CREATE TRIGGER {COUNTS}_au AFTER UPDATE ON crm_interaction "
        f"REFERENCING OLD TABLE AS deleted NEW TABLE AS inserted "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {COUNTS}_updated()"
    ),
    (
        f"CREATE TRIGGER {COUNTS}_at AFTER TRUNCATE ON crm_interaction "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {COUNTS}_truncated()"
    ),
    _upsert(("crm_interaction", 1)),
    f"ANALYZE {COUNTS}",
]

DROP = [
    *(f"DROP TRIGGER IF EXISTS {COUNTS}_{s} ON crm_interaction" for s in ("ai", "ad", "au", "at")),
    *(f"DROP FUNCTION IF EXISTS {COUNTS}_{s}()" for s in ("inserted", "deleted", "updated", "truncated")),
    f"DROP TABLE IF EXISTS {COUNTS}",
    f"DROP TABLE IF EXISTS {ZONE}",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql, [settings.TIME_ZONE] if "%s" in sql else None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
        ("crm", "0013_contact_organisation_index_includes_id"),
    ]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
