"""Find duplicate contacts and organisations and merge them, with undo for 30 days."""

from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "duplicates"
    verbose_name = "Duplicates"

    def ready(self):
        from duplicates import hooks

        hooks.register()
