"""Create the Organiser, Committee and Staff groups with their permissions."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from crm.roles import sync_roles

    sync_roles(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_initial"),
        ("sponsors", "0001_initial"),
        ("partners", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
