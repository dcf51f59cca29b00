from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "mail"
    label = "mail"
    verbose_name = "Email"

    def ready(self):
        from mail import hooks

        hooks.register()
