"""PostgreSQL: the activity triggers recount from the rows a statement touched, whatever the statistics.

Why: 0001's recount was `UPDATE … WHERE a.contact_id IN (SELECT … FOR UPDATE)`. A locking subquery
cannot be hashed, so when the statistics say the table is empty (analysed while it held only the
dead rows of an import a killed worker rolled back) the planner walks every row of it and runs the
subquery, itself a walk of every row, for each: quadratic in contacts. Fault 3 of
docs/reliability.md found it: undoing a 100,000-row import ran Django's SET NULL on favours (no
rows), whose statement trigger then ran for over 20 minutes; 3,000 contacts took 1.7 s. Here the
contacts to recount are locked once, in a materialised CTE, and updated through the primary key
from an array of them: the work follows the rows touched (none: none), not the table.
"""

import importlib

from django.db import migrations

base = importlib.import_module("privacy.migrations.0001_contact_activity")
TABLE = base.TABLE


def _recount(contacts: str) -> str:
    """Recount the contacts whose ids the SQL query `contacts` gives, locked in contact order."""
    return (
        f"WITH locked AS MATERIALIZED (SELECT a2.contact_id FROM {TABLE} a2 WHERE a2.contact_id IN ({contacts}) "
        f"ORDER BY 1 FOR UPDATE) "
        f"UPDATE {TABLE} a SET last_at = {base._latest('a.contact_id')} "
        f"WHERE a.contact_id = ANY (ARRAY(SELECT contact_id FROM locked))"
    )


def _functions(recount) -> list[str]:
    """The recounting trigger functions of 0001, with `recount` making their recount."""
    statements = []
    for source, column in base.SOURCES:
        prefix = f"{TABLE}_{source}"
        moved_or_earlier = (
            f"SELECT d.contact_id FROM deleted d JOIN inserted i ON i.id = d.id WHERE d.contact_id IS NOT NULL "
            f"AND (i.contact_id IS DISTINCT FROM d.contact_id OR i.{column} < d.{column})"
        )
        for name, body in (
            (f"{prefix}_changed", f"{base._raise(column)}; {recount(moved_or_earlier)}"),
            (f"{prefix}_removed", recount("SELECT contact_id FROM deleted")),
        ):
            statements.append(base._function(name, body).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    return statements


def _run(recount):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for sql in _functions(recount):
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_contact_activity")]

    operations = [migrations.RunPython(_run(_recount), _run(base._recount))]
