"""The applications list (django-tables2)."""

import django_tables2 as tables
from django.utils.html import format_html

from publicpages.models import Application


class ApplicationTable(tables.Table):
    submitted_at = tables.DateTimeColumn(format="j M Y H:i", verbose_name="Received")
    organisation = tables.Column(accessor="submitted__organisation", verbose_name="Organisation", orderable=False)
    contact = tables.Column(accessor="submitted__contact_name", verbose_name="Contact", orderable=False)
    tier = tables.Column(accessor="submitted__tier", verbose_name="Package", orderable=False)
    pledge = tables.Column(verbose_name="Pledge", orderable=False, default="—")
    matched = tables.Column(accessor="matched_organisation", verbose_name="Organisation was", orderable=False)
    invited = tables.BooleanColumn(verbose_name="Portal link sent", orderable=False)

    class Meta:
        model = Application
        fields = []
        sequence = ["submitted_at", "organisation", "contact", "tier", "pledge", "matched", "invited"]
        empty_text = "Nobody has applied through the public form yet."
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "application-table"}

    def render_organisation(self, record, value):
        if record.organisation_id:
            return format_html('<a href="{}">{}</a>', record.organisation.get_absolute_url(), value)
        return value

    def render_pledge(self, record):
        if record.pledge_id is None:
            return "—"
        return format_html(
            '<a href="{}">{} · {}</a>',
            record.pledge.get_absolute_url(),
            record.pledge.get_stage_display(),
            f"£{record.pledge.amount:,.0f}",
        )

    def render_matched(self, value):
        return "already known" if value else "new"
