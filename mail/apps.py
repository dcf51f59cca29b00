from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "mail"
    label = "mail"
    verbose_name = "Email"

    def ready(self):
        from mail import hooks

        hooks.register()
        from mail import api as rest_api  # /api/emails/ (the API app routes it)

        rest_api.register()
