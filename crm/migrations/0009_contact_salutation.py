from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0008_move_savedview_to_dashboards"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="salutation",
            field=models.CharField(
                blank=True, db_default="", default="", help_text="Dr, Prof, Cllr, Ms…", max_length=30
            ),
        ),
        migrations.AddField(
            model_name="historicalcontact",
            name="salutation",
            field=models.CharField(
                blank=True, db_default="", default="", help_text="Dr, Prof, Cllr, Ms…", max_length=30
            ),
        ),
    ]
