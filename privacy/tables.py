"""The retention report's table: people untouched for longer than the retention period."""

import django_tables2 as tables
from django.utils.html import format_html

from crm.links import record_url
from crm.models import Contact
from crm.tables.columns import DateColumn


class RetentionTable(tables.Table):
    name = tables.Column(
        accessor="full_name",
        order_by=("last_name", "first_name"),
        verbose_name="Name",
        linkify=lambda record: record.get_absolute_url(),
    )
    organisation = tables.Column(
        accessor="organisation__name", order_by="organisation__name", default="—", verbose_name="Organisation"
    )
    last_activity = DateColumn(format="d M Y", verbose_name="Last activity")
    lawful_basis = tables.Column(verbose_name="Lawful basis")
    actions = tables.Column(
        empty_values=(), orderable=False, verbose_name="Actions", attrs={"td": {"class": "text-nowrap"}}
    )

    class Meta:
        model = Contact
        fields = ["name", "organisation", "last_activity", "lawful_basis", "actions"]
        order_by = "last_activity"
        empty_text = "No contacts have been untouched for this long."
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "retention-table"}

    def __init__(self, *args, can_erase=False, **kwargs):
        self.can_erase = can_erase
        super().__init__(*args, **kwargs)

    def render_name(self, record):
        return record.full_name or record.email

    def render_actions(self, record):
        view = format_html('<a class="btn btn-sm btn-outline-secondary" href="{}">View</a>', record.get_absolute_url())
        if not self.can_erase:
            return view
        return format_html(
            '{} <a class="btn btn-sm btn-outline-danger" href="{}">Erase</a>',
            view,
            record_url("privacy:contact_erase", record.pk),
        )
