# The organisations with an open pledge, read in order from a partial index (activity board).

from django.db import migrations, models


def analyse(apps, schema_editor):
    """Statistics for the new index at once, so neither planner guesses about it (see 0008)."""
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        table = schema_editor.quote_name(apps.get_model("sponsors", "Pledge")._meta.db_table)
        schema_editor.execute(f"ANALYZE {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("sponsors", "0008_dashboard_covering_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pledge",
            index=models.Index(
                condition=models.Q(
                    ("stage__in", ("prospect", "approached", "in_discussion", "verbal", "confirmed", "invoiced"))
                ),
                fields=["organisation"],
                name="pledge_open_org_idx",
            ),
        ),
        migrations.RunPython(analyse, migrations.RunPython.noop),
    ]
