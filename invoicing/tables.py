"""The invoice list (django-tables2: sorting and paging in the URL)."""

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html

from crm.tables.columns import DateColumn
from invoicing.models import Invoice
from invoicing.selectors import STATUS_BADGE, attach_balances


def pounds(value) -> str:
    return "" if value is None else f"£{value:,.2f}"


class MoneyColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return pounds(value)


class InvoiceTable(tables.Table):
    number = tables.Column(linkify=lambda record: record.get_absolute_url(), attrs={"td": {"class": "text-nowrap"}})
    organisation = tables.Column(accessor="billing_name", verbose_name="Organisation")
    event = tables.Column(accessor="pledge__event__name", verbose_name="Event")
    po_number = tables.Column(verbose_name="PO", default="—", attrs={"td": {"class": "text-nowrap"}})
    issue_date = DateColumn(format="j M Y", verbose_name="Issued", attrs={"td": {"class": "text-nowrap"}})
    due_date = DateColumn(format="j M Y", verbose_name="Due", attrs={"td": {"class": "text-nowrap"}})
    gross_total = MoneyColumn(verbose_name="Total")
    # Not sortable: ordering 50,000 invoices by a derived sum took seconds on PostgreSQL; the
    # status and overdue filters give the same cut.
    balance = MoneyColumn(verbose_name="Owed", empty_values=(), orderable=False)
    status = tables.Column(empty_values=(), orderable=False)

    class Meta:
        model = Invoice
        fields = []
        sequence = [
            "number",
            "organisation",
            "event",
            "po_number",
            "issue_date",
            "due_date",
            "gross_total",
            "balance",
            "status",
        ]
        order_by = ("-issue_date",)
        empty_text = "No invoices match. Clear the filters, or raise one from a confirmed pledge."
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "invoice-table"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()

    def order_number(self, queryset, is_descending):
        return queryset.order_by(("-" if is_descending else "") + "number"), True

    def order_issue_date(self, queryset, is_descending):
        prefix = "-" if is_descending else ""
        return queryset.order_by(f"{prefix}issue_date", f"{prefix}number"), True

    def before_render(self, request):
        rows = self.page.object_list if hasattr(self, "page") else self.rows
        attach_balances([row.record for row in rows])

    def render_status(self, record):
        status = Invoice.Status(record.status_for(record.balance, record.paid, record.credited, self.today))
        return format_html('<span class="badge {}">{}</span>', STATUS_BADGE[status.value], status.label)
