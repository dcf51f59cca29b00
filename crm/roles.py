"""The three roles as Django groups, and the permissions each holds.

Permissions are derived from rules rather than listed, so a model added later
gets the right permissions for every role at the next `migrate`.
"""
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

ORGANISER = "Organiser"
COMMITTEE = "Committee"
STAFF = "Staff"
ROLES = (ORGANISER, COMMITTEE, STAFF)

DOMAIN_APPS = ("crm", "sponsors", "partners")
#: Models staff may change (organisations, contacts, interactions, import/export).
STAFF_EDITABLE = {
    ("crm", "organisation"), ("crm", "contact"), ("crm", "interaction"), ("crm", "tag"),
    ("crm", "importbatch"), ("crm", "importmapping"),
}
#: Per-user things every role manages for itself (saved views, calendar feed).
PERSONAL = {("crm", "savedview"), ("crm", "calendarfeed")}


def permitted(role: str, app_label: str, model: str, codename: str) -> bool:
    action = codename.split("_", 1)[0]
    if model.startswith("historical"):
        return action == "view"  # history is read-only for everyone
    if role == ORGANISER or (app_label, model) in PERSONAL:
        return True
    if role == STAFF and (app_label, model) in STAFF_EDITABLE:
        return True
    return action == "view"


def sync_roles(apps=global_apps, using=DEFAULT_DB_ALIAS) -> None:
    """Create the groups and give each exactly the permissions its rules allow."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        if app_config.label in DOMAIN_APPS:
            if not getattr(app_config, "models_module", None):
                app_config.models_module = True  # migration state stubs have none
            create_permissions(app_config, verbosity=0, using=using, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = list(
        Permission.objects.using(using)
        .filter(content_type__app_label__in=DOMAIN_APPS)
        .values_list("id", "content_type__app_label", "content_type__model", "codename")
    )
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set([pk for pk, app, model, code in perms if permitted(role, app, model, code)])


def sync_roles_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    sync_roles(using=using)


def role_of(user) -> str:
    """The role name shown in the navigation (a superuser is shown as Admin)."""
    if not user.is_authenticated:
        return ""
    if user.is_superuser:
        return "Admin"
    names = {g.name for g in user.groups.all()}
    for role in ROLES:
        if role in names:
            return role
    return "No role"
