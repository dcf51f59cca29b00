# Covering indexes for the pipeline dashboard on PostgreSQL, whose indexes do not carry the
# row's id as SQLite's do: the top open pledges ranked from the index alone, and the latest
# wins and losses read in (changed_at, id) order so a LIMIT stops early.

from django.db import migrations, models


def analyse(apps, schema_editor):
    """Statistics for the new indexes at once: without them SQLite took the pledge index for the
    board's cards (a sort of a third of the pledges, 90 ms a column) instead of (stage, amount)."""
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        for name in ("Pledge", "PledgeStageChange"):
            table = schema_editor.quote_name(apps.get_model("sponsors", name)._meta.db_table)
            schema_editor.execute(f"ANALYZE {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("sponsors", "0007_ticket_allocation"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="pledge",
            name="pledge_event_stage_cover_idx",
        ),
        migrations.RemoveIndex(
            model_name="pledgestagechange",
            name="sponsors_pl_changed_e9ace1_idx",
        ),
        migrations.AddIndex(
            model_name="pledge",
            index=models.Index(fields=["event", "stage", "tier", "amount", "id"], name="pledge_event_stage_id_idx"),
        ),
        migrations.AddIndex(
            model_name="pledgestagechange",
            index=models.Index(fields=["changed_at", "id"], name="stage_change_latest_idx"),
        ),
        migrations.RunPython(analyse, migrations.RunPython.noop),
    ]
