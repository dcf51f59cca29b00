"""The REST API, personal tokens, webhooks and two-factor sign-in."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API and webhooks"

    def ready(self):
        from api import schema, signals  # noqa: F401 (schema registers its extension)
        from crm.registry import register_role_rules

        # Tokens are each user's own; webhooks are the organiser's (default rules).
        register_role_rules("api", personal={"apitoken"})
        signals.connect()

        from api.services import dispatch_event
        from crm.registry import register_event_listener

        register_event_listener("api.webhooks", dispatch_event)

        from api import demo
        from crm.registry import DemoStep, register_demo_step

        register_demo_step(DemoStep(name="api", run=demo.run, order=90))

        from django.contrib.auth.signals import user_logged_in

        from api.middleware import remember_state

        user_logged_in.connect(remember_state, dispatch_uid="api.two_factor.remember_state")
