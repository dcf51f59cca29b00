"""PostgreSQL: the organisations' latest contact is recounted from the rows a statement touched,
whatever the statistics.

Why: 0003's recount was `UPDATE … WHERE a.organisation_id IN (SELECT … FOR UPDATE)`, the pattern
privacy migration 0002 replaced after fault 3 of docs/reliability.md. A locking subquery cannot be
hashed, so when the statistics say the table is empty the planner walks every row and runs the
subquery, itself a walk of every row, for each: quadratic in organisations. Here the organisations
to recount are locked once, in a materialised CTE (in organisation order, as before), and updated
through the primary key from an array of them.
"""

import importlib

from django.db import migrations

base = importlib.import_module("dashboards.migrations.0003_organisation_last_contact")
TABLE = base.TABLE


def _recount(orgs: str) -> str:
    """Recount the organisations whose ids the SQL query `orgs` gives, locked in organisation order."""
    return (
        f"WITH locked AS MATERIALIZED (SELECT a2.organisation_id FROM {TABLE} a2 "
        f"WHERE a2.organisation_id IN ({orgs}) ORDER BY 1 FOR UPDATE) "
        f"UPDATE {TABLE} a SET last_at = {base._latest('a.organisation_id')} "
        f"WHERE a.organisation_id = ANY (ARRAY(SELECT organisation_id FROM locked))"
    )


def _functions(recount) -> list[str]:
    """0003's three recounting trigger functions, with `recount` making their recount."""
    left_behind = base._organisations_of("(" + base.LEFT_BEHIND + ")")
    functions = [
        base._function(f"{TABLE}_changed", f"{base.RAISE}; {recount(left_behind)}"),
        base._function(f"{TABLE}_removed", recount(base._organisations_of("deleted"))),
        base._function(
            f"{TABLE}_person_moved",
            recount("SELECT OLD.organisation_id UNION ALL SELECT NEW.organisation_id"),
            row=True,
        ),
    ]
    return [sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1) for sql in functions]


def _run(recount):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for sql in _functions(recount):
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0003_organisation_last_contact")]

    operations = [migrations.RunPython(_run(_recount), _run(base._recount))]
