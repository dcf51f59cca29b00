"""Tables for the pledge and in-kind lists (django-tables2: sorting and paging in the URL)."""

import django_tables2 as tables
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html

from crm.tables.columns import DateColumn, MoneyColumn
from sponsors.models import InKindContribution, Pledge


class PledgeTable(tables.Table):
    organisation = tables.Column(
        accessor="organisation__name", verbose_name="Organisation", linkify=lambda record: record.get_absolute_url()
    )
    event = tables.Column(accessor="event__name", verbose_name="Event")
    tier = tables.Column(accessor="tier__name", verbose_name="Tier", default="—")
    amount = MoneyColumn(verbose_name="Amount")
    weighted = MoneyColumn(accessor="weighted_amount", verbose_name="Weighted", orderable=False)
    stage = tables.Column(order_by=("stage",))
    days = tables.Column(
        accessor="stage_changed_at",
        verbose_name="Days in stage",
        order_by=("-stage_changed_at",),
        attrs={"td": {"class": "text-end"}},
    )
    owner = tables.Column(accessor="owner__username", verbose_name="Owner", default="—")
    expected_date = DateColumn(format="j M Y", verbose_name="Expected", default="—")

    class Meta:
        model = Pledge
        fields: list[str] = []
        sequence = ["organisation", "event", "tier", "amount", "weighted", "stage", "days", "owner", "expected_date"]
        empty_text = "No pledges match. Clear the filters or record a new pledge."
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "pledge-table"}

    def render_stage(self, record):
        return format_html(
            '<span class="badge stage-badge stage-{}">{}</span>', record.stage, record.get_stage_display()
        )

    def render_days(self, value):
        return (timezone.now() - value).days


class InKindTable(tables.Table):
    organisation = tables.Column(
        accessor="organisation__name",
        verbose_name="Organisation",
        linkify=lambda record: record.organisation.get_absolute_url(),
    )
    event = tables.Column(accessor="event__name", verbose_name="Event")
    category = tables.Column()
    description = tables.Column()
    quantity = tables.Column(verbose_name="Qty", attrs={"td": {"class": "text-end"}})
    estimated_value = MoneyColumn(verbose_name="Value")
    status = tables.Column()
    actions = tables.Column(accessor="pk", verbose_name="", orderable=False, attrs={"td": {"class": "text-nowrap"}})

    class Meta:
        model = InKindContribution
        fields: list[str] = []
        sequence = [
            "organisation",
            "event",
            "category",
            "description",
            "quantity",
            "estimated_value",
            "status",
            "actions",
        ]
        empty_text = "No in-kind contributions match. Clear the filters or record a new offer."
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "inkind-table"}

    def before_render(self, request):
        # Rendered without a RequestContext so context processors do not run once per row.
        self.action_context = {
            "csrf_token": get_token(request),
            "next": request.get_full_path(),
        }
        if not request.user.has_perm("sponsors.change_inkindcontribution"):
            self.columns.hide("actions")

    def render_actions(self, record):
        return render_to_string("sponsors/_inkind_actions.html", {"record": record, **self.action_context})

    def render_status(self, record):
        return format_html(
            '<span class="badge inkind-badge inkind-{}">{}</span>', record.status, record.get_status_display()
        )
