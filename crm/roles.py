"""The three roles as Django groups, and the permissions each holds.

Permissions are derived from rules rather than listed, so a model added later
gets the right permissions for every role at the next `migrate`. Each app of the
project registers its rules (crm.registry.register_role_rules) in its `ready()`.
"""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

from crm import registry

ORGANISER = "Organiser"
COMMITTEE = "Committee"
STAFF = "Staff"
ROLES = (ORGANISER, COMMITTEE, STAFF)

#: The core's own rules: staff change organisations, contacts, interactions and imports;
#: every role keeps its own calendar feed.
CORE_STAFF_EDITABLE = {"organisation", "contact", "interaction", "tag", "importbatch", "importmapping"}
CORE_PERSONAL = {"calendarfeed"}


def role_app_labels() -> tuple[str, ...]:
    """The apps whose models the roles cover: every app that registered its rules."""
    return tuple(registry.role_rules())


def permitted(role: str, app_label: str, model: str, codename: str) -> bool:
    action = codename.split("_", 1)[0]
    if model.startswith("historical"):
        return action == "view"  # history is read-only for everyone
    rules = registry.role_rules().get(app_label)
    if rules is None:
        return False
    if role == ORGANISER or model in rules.personal:
        return True
    if role == STAFF and model in rules.staff_editable:
        return True
    return action == "view"


def sync_roles(apps=global_apps, using=DEFAULT_DB_ALIAS) -> None:
    """Create the groups and give each exactly the permissions its rules allow."""
    from django.contrib.auth.management import create_permissions

    labels = role_app_labels()
    for app_config in apps.get_app_configs():
        if app_config.label in labels:
            if not getattr(app_config, "models_module", None):
                app_config.models_module = True  # migration state stubs have none
            create_permissions(app_config, verbosity=0, using=using, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = list(
        Permission.objects.using(using)
        .filter(content_type__app_label__in=labels)
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
