"""Subject access, erasure, retention and verified backups of the whole database."""

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Data protection"

    def ready(self):
        from crm.registry import Panel, register_panel

        register_panel(
            Panel(
                slot="record_actions",
                name="privacy.personal_data",
                template="privacy/_personal_data_menu.html",
                context=lambda record, request: {"contact": record} if record._meta.model_name == "contact" else None,
                permission="crm.change_contact",
                order=30,
            )
        )
        register_panel(
            Panel(
                slot="list_actions",
                name="privacy.retention",
                template="privacy/_retention_button.html",
                context=lambda target, request: {} if target == "contacts" else None,
                permission="crm.change_contact",
                order=110,
            )
        )
