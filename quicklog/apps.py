"""The quick log: a call, email, meeting, note or favour with its follow-up, in seconds."""

from django.apps import AppConfig


class QuicklogConfig(AppConfig):
    name = "quicklog"
    verbose_name = "Quick log"

    def ready(self):
        from crm.registry import Panel, register_panel

        register_panel(
            Panel(
                slot="record_actions",
                name="quicklog.log",
                template="quicklog/_log_button.html",
                context=_log_query,
                permission="crm.add_interaction",
                order=10,
            )
        )
        register_panel(
            Panel(
                slot="followups_empty",
                name="quicklog.log",
                template="quicklog/_followups_empty.html",
                context=lambda obj, request: {},
                permission="crm.add_interaction",
            )
        )


def _log_query(record, request) -> dict:
    """The quick log opens on the record: an organisation, or a contact and their organisation."""
    if record._meta.model_name == "organisation":
        return {"query": f"organisation={record.pk}"}
    query = f"contact={record.pk}"
    if record.organisation_id:
        query += f"&organisation={record.organisation_id}"
    return {"query": query}
