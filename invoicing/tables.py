"""The invoice list (django-tables2: sorting and paging in the URL).

django-tables2 inspects each cell's render method's signature for every cell (about a quarter
of the list's time at 50 rows × 9 columns); the render methods here carry their signature
(`fixed_signature`), which inspect.signature returns at once, so rendering costs what the cells do.
"""
import inspect

import django_tables2 as tables
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html

from invoicing.models import Invoice
from invoicing.selectors import STATUS_BADGE, attach_balances


def fixed_signature(fn):
    fn.__signature__ = inspect.signature(fn)
    return fn


class TextColumn(tables.Column):
    @fixed_signature
    def render(self, value):
        return value


@fixed_signature
def invoice_url(record) -> str:
    """The invoice page's address without a reverse() per row (numbers are letters, digits, dashes)."""
    base = getattr(invoice_url, "base", None) or reverse("invoicing:invoice_list")
    invoice_url.base = base
    return f"{base}{record.number}/"


def pounds(value) -> str:
    return "" if value is None else f"£{value:,.2f}"


class MoneyColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}})
        super().__init__(*args, **kwargs)

    @fixed_signature
    def render(self, value):
        return pounds(value)


class DayColumn(tables.Column):
    """A date as "5 Mar 2027". tables.DateColumn compiles a template for every cell (a third of
    the list's rendering time at 50 rows); formatting directly gives the same text."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-nowrap"}})
        super().__init__(*args, **kwargs)

    @fixed_signature
    def render(self, value):
        return dateformat.format(value, "j M Y")


class InvoiceTable(tables.Table):
    number = TextColumn(linkify=invoice_url, attrs={"td": {"class": "text-nowrap"}})
    organisation = TextColumn(accessor="billing_name", verbose_name="Organisation")
    event = TextColumn(accessor="pledge__event__name", verbose_name="Event")
    po_number = TextColumn(verbose_name="PO", default="—", attrs={"td": {"class": "text-nowrap"}})
    issue_date = DayColumn(verbose_name="Issued")
    due_date = DayColumn(verbose_name="Due")
    gross_total = MoneyColumn(verbose_name="Total")
    # Not sortable: ordering 50,000 invoices by a derived sum took seconds on PostgreSQL; the
    # status and overdue filters give the same cut.
    balance = MoneyColumn(verbose_name="Owed", empty_values=(), orderable=False)
    status = tables.Column(empty_values=(), orderable=False)

    class Meta:
        model = Invoice
        fields = []
        sequence = ["number", "organisation", "event", "po_number", "issue_date", "due_date", "gross_total",
                    "balance", "status"]
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

    @fixed_signature
    def render_status(self, record):
        status = Invoice.Status(record.status_for(record.balance, record.paid, record.credited, self.today))
        return format_html('<span class="badge {}">{}</span>', STATUS_BADGE[status.value], status.label)
