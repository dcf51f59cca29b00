# Pipeline dashboard: the top open pledges read as each stage's largest from an
# (event, stage, -amount, id) index (PostgreSQL), and the recent wins and losses read from the
# (to_stage, changed_at, pledge) index alone, which replaces (to_stage, changed_at): SQLite's
# count of them no longer visits the table (20 ms to 5 at 11,000 changes); PostgreSQL's index
# also carries the change's id (INCLUDE; SQLite's indexes carry it already).

from django.db import migrations, models


def analyse(apps, schema_editor):
    """Statistics for the new indexes at once, so neither planner guesses about them (see 0008)."""
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        for name in ("Pledge", "PledgeStageChange"):
            table = schema_editor.quote_name(apps.get_model("sponsors", name)._meta.db_table)
            schema_editor.execute(f"ANALYZE {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("sponsors", "0009_open_pledge_organisation_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="pledgestagechange",
            name="sponsors_pl_to_stag_a3c64a_idx",
        ),
        migrations.AddIndex(
            model_name="pledge",
            index=models.Index(fields=["event", "stage", "-amount", "id"], name="pledge_event_stage_amount_idx"),
        ),
        migrations.AddIndex(
            model_name="pledgestagechange",
            index=models.Index(
                fields=["to_stage", "changed_at", "pledge"], include=("id",), name="stage_change_won_lost_idx"
            ),
        ),
        migrations.RunPython(analyse, migrations.RunPython.noop),
    ]
