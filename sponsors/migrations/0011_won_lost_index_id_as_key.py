# The recent wins and losses index carries the id as its last key column instead of an INCLUDE,
# which SQLite does not have (Django ignored it there and warned, models.W040, at every migrate).
# PostgreSQL still answers the dashboard's query from the index alone.

from django.db import migrations, models


def analyse(apps, schema_editor):
    """Statistics for the rebuilt index at once, so neither planner guesses about it (see 0008)."""
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        table = schema_editor.quote_name(apps.get_model("sponsors", "PledgeStageChange")._meta.db_table)
        schema_editor.execute(f"ANALYZE {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("sponsors", "0010_dashboard_top_open_and_won_lost_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="pledgestagechange",
            name="stage_change_won_lost_idx",
        ),
        migrations.AddIndex(
            model_name="pledgestagechange",
            index=models.Index(fields=["to_stage", "changed_at", "pledge", "id"], name="stage_change_won_lost_idx"),
        ),
        migrations.RunPython(analyse, migrations.RunPython.noop),
    ]
