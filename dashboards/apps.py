"""Read-only pipeline, in-kind, partner and activity dashboards, with saved views."""

from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Committee dashboards"

    def ready(self):
        from crm.registry import register_role_rules

        register_role_rules("dashboards", personal={"savedview"})
