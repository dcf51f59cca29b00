from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM core"

    def ready(self):
        from django.db.models.signals import post_migrate

        from crm.roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, sender=self)
