import django_tables2 as tables
from django.db.models import F
from django.utils import timezone
from django.utils.html import format_html

from crm.models import Contact, Organisation
from crm.registry import list_extensions
from crm.tables.columns import DateColumn


def money(value) -> str:
    return f"£{value:,.0f}" if value else "—"


class DueDateColumn(DateColumn):
    """A follow-up due date, flagged when it has passed."""

    def render(self, value):
        if value is None:
            return "—"
        text = value.strftime("%d %b %Y")
        if value < timezone.localdate():
            return format_html(
                '<span class="text-danger fw-semibold">{} <span class="badge text-bg-danger">overdue</span></span>',
                text,
            )
        return text


def blanks_last(*names):
    """A table's order_FOO: sort by `names` with the missing values (NULL) last either way, as a
    spreadsheet puts blanks. Left to the database, "never" contacted came first in a newest-first
    sort on PostgreSQL (NULL sorts as the largest value there) and last on SQLite (the smallest)."""

    def order(table, queryset, is_descending):
        keys = [F(name).desc(nulls_last=True) if is_descending else F(name).asc(nulls_last=True) for name in names]
        return queryset.order_by(*keys), True

    return order


def extension_columns(list_name: str) -> list:
    """The (name, Column) pairs other apps add to a list, for the table's extra_columns."""
    return [column for extension in list_extensions(list_name) for column in extension.columns()]


class OrganisationTable(tables.Table):
    name = tables.Column(linkify=True)
    roles = tables.Column(accessor="role_labels", orderable=False, verbose_name="Roles")
    city = tables.Column(verbose_name="City")
    owner = tables.Column(accessor="owner__username", order_by="owner__username", verbose_name="Owner")
    last_contacted = DateColumn(format="d M Y", verbose_name="Last contact", default="never")
    next_followup = DueDateColumn(verbose_name="Next follow-up", default="—")

    class Meta:
        model = Organisation
        fields = ["name", "roles", "city", "owner", "last_contacted", "next_followup"]
        # Columns other apps add (crm.registry list extensions) go before the next follow-up.
        sequence = ["name", "roles", "city", "owner", "last_contacted", "...", "next_followup"]
        empty_text = "No organisations match. Clear the filters or add one."
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "organisation-table"}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("extra_columns", extension_columns("organisation"))
        super().__init__(*args, **kwargs)

    order_owner = blanks_last("owner__username")
    order_last_contacted = blanks_last("last_contacted")
    order_next_followup = blanks_last("next_followup")

    def render_roles(self, value):
        return ", ".join(value)


class ContactTable(tables.Table):
    name = tables.Column(accessor="full_name", order_by=("last_name", "first_name"), linkify=True, verbose_name="Name")
    email = tables.EmailColumn()
    organisation = tables.Column(linkify=True, order_by="organisation__name")
    job_title = tables.Column(verbose_name="Job title")
    last_contacted = DateColumn(format="d M Y", verbose_name="Last contact", default="never")
    next_followup = DueDateColumn(verbose_name="Next follow-up", default="—")

    class Meta:
        model = Contact
        fields = ["name", "email", "organisation", "job_title", "last_contacted", "next_followup"]
        empty_text = "No contacts match. Clear the filters or add one."
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "contact-table"}

    order_organisation = blanks_last("organisation__name")
    order_last_contacted = blanks_last("last_contacted")
    order_next_followup = blanks_last("next_followup")

    def render_name(self, value, record):
        if record.do_not_contact:
            return format_html('{} <span class="badge text-bg-warning">do not contact</span>', value or record.email)
        return value or record.email
