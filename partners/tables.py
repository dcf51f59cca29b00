import django_tables2 as tables
from django.utils.html import format_html

from crm.links import record_url
from crm.tables.columns import DateColumn, MoneyColumn, money
from partners.models import Favour


class FavourTable(tables.Table):
    organisation = tables.Column(
        accessor="organisation__name",
        verbose_name="Organisation",
        linkify=lambda record: record.organisation.get_absolute_url(),
    )
    direction = tables.Column()
    description = tables.Column()
    estimated_value = MoneyColumn(verbose_name="Value")
    status = tables.Column()
    occurred_on = DateColumn(format="j M Y", verbose_name="When", default="—")
    event = tables.Column(accessor="event__name", verbose_name="Event", default="—")
    edit = tables.Column(accessor="pk", verbose_name="", orderable=False)

    class Meta:
        model = Favour
        fields: list[str] = []
        sequence = [
            "organisation",
            "direction",
            "description",
            "estimated_value",
            "status",
            "occurred_on",
            "event",
            "edit",
        ]
        empty_text = "No favours match. Clear the filters or log a favour."
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "favour-table"}

    def before_render(self, request):
        self.can_edit = request.user.has_perm("partners.change_favour")
        if not self.can_edit:
            self.columns.hide("edit")

    def render_status(self, record):
        return format_html(
            '<span class="badge favour-badge favour-{}">{}</span>', record.status, record.get_status_display()
        )

    def render_edit(self, record):
        return format_html(
            '<a class="btn btn-sm btn-link" href="{}">Edit</a>', record_url("partners:favour_update", record.pk)
        )


class PartnerTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name="Organisation")
    roles = tables.Column(accessor="pk", verbose_name="Role", orderable=False)
    offer_type = tables.Column(accessor="partner_profile__offer_type", verbose_name="Offer", default="—")
    terms = tables.Column(accessor="partner_profile__terms", verbose_name="Terms", default="—")
    status = tables.Column(accessor="partner_profile__status", verbose_name="Status", default="—")
    favour_balance = MoneyColumn(verbose_name="Favour balance")
    owed_count = tables.Column(verbose_name="We owe", attrs={"td": {"class": "text-end"}})

    class Meta:
        fields: list[str] = []
        sequence = ["name", "roles", "offer_type", "terms", "status", "favour_balance", "owed_count"]
        empty_text = "No suppliers or training providers match."
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "partner-table"}

    def render_roles(self, record):
        labels = [
            label
            for flag, label in ((record.is_supplier, "Supplier"), (record.is_training_provider, "Training provider"))
            if flag
        ]
        return ", ".join(labels)

    def _profile(self, record):
        return getattr(record, "partner_profile", None)

    def render_offer_type(self, record):
        return self._profile(record).get_offer_type_display()

    def render_terms(self, record):
        return self._profile(record).get_terms_display()

    def render_status(self, record):
        return self._profile(record).get_status_display()

    def render_favour_balance(self, value):
        return money(value)

    def render_owed_count(self, value):
        return value or ""
