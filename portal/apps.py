from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Sponsor portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm.registry import register_action
        from portal import hooks, selectors, services

        # What other apps use without importing this one: the public pages invite a sponsor after
        # an application, and show the sponsor wall's signatures, logos and descriptions.
        register_action("portal.invite", services.invite)
        register_action("portal.sponsor_presence", selectors.presence)
        hooks.register()

        from portal import merge_hooks

        merge_hooks.register()
