# The pipeline dashboard's covering index gains the id, so PostgreSQL ranks the top open
# pledges from the index alone (SQLite's indexes carry the id already).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sponsors', '0007_ticket_allocation'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='pledge',
            name='pledge_event_stage_cover_idx',
        ),
        migrations.AddIndex(
            model_name='pledge',
            index=models.Index(fields=['event', 'stage', 'tier', 'amount', 'id'], name='pledge_event_stage_id_idx'),
        ),
    ]
