from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM core"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from crm import checks, db_sessions, registry  # noqa: F401  (checks: registers the deploy checks)
        from crm.roles import CORE_PERSONAL, CORE_STAFF_EDITABLE, sync_roles_after_migrate

        registry.register_role_rules(
            "crm",
            staff_editable=CORE_STAFF_EDITABLE,
            personal=CORE_PERSONAL,
        )
        post_migrate.connect(sync_roles_after_migrate, sender=self)
        connection_created.connect(db_sessions.on_connect, dispatch_uid="crm.db_sessions")
        # Every app's tables get the core's date columns for model date fields (column library).
        import crm.tables.columns  # noqa: F401
        from crm.tables import speedups, stable_order

        speedups.install()
        stable_order.install()

        from crm import merge_hooks

        merge_hooks.register()
