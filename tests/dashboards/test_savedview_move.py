"""Upgrading a database from before the layers: saved views move from crm to dashboards.

The table is kept (crm_savedview), so every row must be found in place, its URL name moved
to the dashboards' namespace, and its content type and permissions moved with the model.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("crm", "0007_activity_week_index"), ("dashboards", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_saved_views_survive_the_move_to_dashboards(django_user_model):
    old_apps = migrate(BEFORE)
    User = old_apps.get_model("auth", "User")
    OldSavedView = old_apps.get_model("crm", "SavedView")
    owner = User.objects.create(username="olivia")
    other = User.objects.create(username="colin")
    OldSavedView.objects.create(owner=owner, name="Gold only", url_name="crm:dashboard", query_string="tier=3")
    OldSavedView.objects.create(
        owner=other, name="Venues", url_name="crm:dashboard_inkind", query_string="category=venue", shared=True
    )
    ids = set(OldSavedView.objects.values_list("pk", flat=True))

    new_apps = migrate(latest())

    SavedView = new_apps.get_model("dashboards", "SavedView")
    rows = {view.name: view for view in SavedView.objects.all()}
    assert set(SavedView.objects.values_list("pk", flat=True)) == ids
    assert rows["Gold only"].url_name == "dashboards:dashboard" and rows["Gold only"].query_string == "tier=3"
    assert rows["Gold only"].owner_id == owner.pk
    assert rows["Venues"].url_name == "dashboards:dashboard_inkind" and rows["Venues"].shared
    ContentType = new_apps.get_model("contenttypes", "ContentType")
    moved = ContentType.objects.get(app_label="dashboards", model="savedview")
    assert not ContentType.objects.filter(app_label="crm", model="savedview").exists()
    Permission = new_apps.get_model("auth", "Permission")
    assert {"add_savedview", "delete_savedview"} <= set(
        Permission.objects.filter(content_type=moved).values_list("codename", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_the_move_can_be_undone(django_user_model):
    migrate(latest())
    owner = django_user_model.objects.create(username="olivia")
    from dashboards.models import SavedView

    SavedView.objects.create(owner=owner, name="Mine", url_name="dashboards:dashboard_activity")
    old_apps = migrate(BEFORE)
    assert old_apps.get_model("crm", "SavedView").objects.get(name="Mine").url_name == "crm:dashboard_activity"
    migrate(latest())
    assert SavedView.objects.get(name="Mine").url_name == "dashboards:dashboard_activity"
