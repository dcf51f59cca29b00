from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners and favours"

    def ready(self):
        from crm.registry import register_role_rules
        from partners import merge_hooks, record_pages

        register_role_rules("partners")
        record_pages.register()
        merge_hooks.register()
