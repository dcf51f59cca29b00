"""SavedView, moved here from crm: the existing table is adopted, not created.

The content type and its permissions move to the new app label as well, so the
roles keep their grants and the admin's log keeps pointing at the right model.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def adopt_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label="dashboards", model="savedview").exists():
        ContentType.objects.using(db).filter(app_label="crm", model="savedview").update(app_label="dashboards")


def give_back_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label="crm", model="savedview").exists():
        ContentType.objects.using(db).filter(app_label="dashboards", model="savedview").update(app_label="crm")


def rename_url_names(apps, schema_editor, old="crm:", new="dashboards:"):
    """Saved views name their page by URL name; the dashboards' names moved namespace."""
    SavedView = apps.get_model("dashboards", "SavedView")
    db = schema_editor.connection.alias
    for view in SavedView.objects.using(db).filter(url_name__startswith=old):
        view.url_name = new + view.url_name[len(old) :]
        view.save(update_fields=["url_name"])


def restore_url_names(apps, schema_editor):
    rename_url_names(apps, schema_editor, old="dashboards:", new="crm:")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("crm", "0008_move_savedview_to_dashboards"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SavedView",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100)),
                        (
                            "url_name",
                            models.CharField(
                                help_text="The page, as a URL name such as dashboards:dashboard.", max_length=100
                            ),
                        ),
                        ("query_string", models.TextField(blank=True)),
                        (
                            "shared",
                            models.BooleanField(default=False, help_text="Visible to every user who can see the page."),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="saved_views",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "crm_savedview",
                        "ordering": ["name"],
                        "constraints": [
                            models.UniqueConstraint(fields=("owner", "url_name", "name"), name="saved_view_unique_name")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(adopt_content_type, give_back_content_type),
        migrations.RunPython(rename_url_names, restore_url_names),
    ]
