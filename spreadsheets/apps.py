"""CSV and Excel in and out: the import wizard, its history and undo, and every list's export."""

from django.apps import AppConfig


class SpreadsheetsConfig(AppConfig):
    name = "spreadsheets"
    verbose_name = "Import and export"

    def ready(self):
        from crm.registry import Panel, register_erasure_hook, register_panel, register_role_rules
        from spreadsheets.services import forget_exports_on_erasure

        # Background jobs are personal: each role may start and follow its own; what a job may do
        # (import, export of a list) is checked against the same permissions as the synchronous pages.
        register_role_rules("spreadsheets", personal={"spreadsheetjob"})
        register_erasure_hook("spreadsheets.exports", forget_exports_on_erasure)

        # Every list's export buttons; the export itself checks the view permission of what it exports.
        register_panel(
            Panel(
                slot="list_actions",
                name="spreadsheets.export",
                template="spreadsheets/_export_buttons.html",
                context=lambda target, request: {"target": target},
            )
        )
