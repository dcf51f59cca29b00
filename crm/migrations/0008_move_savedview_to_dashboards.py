"""SavedView moved to the dashboards app: forget it here without touching its table.

dashboards 0001 takes the same table (crm_savedview) over, rows and all.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0007_activity_week_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SavedView")],
            database_operations=[],
        ),
    ]
