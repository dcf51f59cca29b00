from django.apps import AppConfig


class SponsorsConfig(AppConfig):
    name = "sponsors"
    verbose_name = "Sponsorship"

    def ready(self):
        from crm.registry import register_role_rules
        from sponsors import record_pages

        register_role_rules("sponsors")
        record_pages.register()
