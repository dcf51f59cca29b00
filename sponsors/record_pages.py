"""What sponsorship adds to the core's organisation page, list and timeline (crm.registry).

Registered from SponsorsConfig.ready(): the core renders these without importing
this app. Each piece costs a fixed number of queries whatever the number of pledges.
"""

from decimal import Decimal

import django_filters
import django_tables2 as tables
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from crm import registry
from crm.selectors.timeline import Entry, user_name
from crm.tables.records import money
from sponsors.models import OPEN_STAGES, InKindContribution, Pledge, PledgeStageChange, Stage

MONEY: DecimalField = DecimalField(max_digits=14, decimal_places=2)


def organisation_sponsorship(organisation) -> dict:
    """Pledges and in-kind gifts of one organisation (two queries, memoised on the instance)."""
    cached = getattr(organisation, "_sponsorship", None)
    if cached is None:
        pledges = list(organisation.pledges.select_related("event", "tier", "owner").order_by("-created_at"))
        cached = organisation._sponsorship = {
            "pledges": pledges,
            "open_pledge_value": sum((p.amount for p in pledges if p.stage in OPEN_STAGES), Decimal("0")),
            "in_kind": list(InKindContribution.objects.filter(organisation=organisation).select_related("event")),
        }
    return cached


def _stats(organisation, request):
    return {"open_pledge_value": organisation_sponsorship(organisation)["open_pledge_value"]}


def _panel(organisation, request):
    return organisation_sponsorship(organisation)


# --- the organisation list: open pledge value, and a pledge-stage filter ----------------------


def _open_pledge_value():
    open_pledges = Pledge.objects.filter(organisation=OuterRef("pk"), stage__in=OPEN_STAGES)
    totals = open_pledges.order_by().values("organisation").annotate(total=Sum("amount")).values("total")[:1]
    return {
        "open_pledge_value": Coalesce(Subquery(totals, output_field=MONEY), Value(Decimal("0"), output_field=MONEY))
    }


class OpenPledgeColumn(tables.Column):
    def render(self, value):
        return money(value)


def _columns():
    return [("open_pledge_value", OpenPledgeColumn(verbose_name="Open pledges", attrs={"td": {"class": "text-end"}}))]


def _stage_filter(org_path: str):
    pledges = f"{org_path}__pledges" if org_path else "pledges"

    def filter_stage(queryset, name, value):
        return queryset.filter(**{f"{pledges}__stage": value}).distinct()

    return {"stage": django_filters.ChoiceFilter(choices=Stage.choices, method=filter_stage, label="Pledge stage")}


# --- the timeline: stage changes and in-kind status changes ----------------------------------


def _stage_changes(organisation=None, contact=None, limit=None):
    if organisation is None:
        return
    changes = (
        PledgeStageChange.objects.filter(pledge__organisation=organisation)
        .select_related("pledge", "pledge__event", "changed_by")
        .order_by("-changed_at", "-id")[:limit]
    )
    for change in changes:
        pledge = change.pledge
        if change.from_stage:
            title = (
                f"Pledge £{pledge.amount:,.0f} moved {Stage(change.from_stage).label} → {change.get_to_stage_display()}"
            )
        else:
            title = f"Pledge £{pledge.amount:,.0f} for {pledge.event} created as {change.get_to_stage_display()}"
        yield Entry(
            change.changed_at,
            "pledge",
            "bi-cash-coin",
            title,
            change.note,
            user_name(change.changed_by),
            pledge.get_absolute_url(),
        )


def _in_kind_changes(organisation=None, contact=None):
    """Status changes are the history rows whose status differs from the row before."""
    if organisation is None:
        return
    history = (
        InKindContribution.history.filter(organisation_id=organisation.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous: dict[int, str] = {}
    labels = dict(InKindContribution.Status.choices)
    categories = dict(InKindContribution.Category.choices)
    for row in history:
        before = previous.get(row.id)
        previous[row.id] = row.status
        if row.history_type == "-" or before == row.status:
            continue
        what = f"{categories.get(row.category, row.category)}: {row.description}"
        title = (
            f"In-kind {what} offered"
            if before is None
            else f"In-kind {what} {labels.get(before, before).lower()} → {labels.get(row.status, row.status).lower()}"
        )
        if before is None and row.status != InKindContribution.Status.OFFERED:
            title = f"In-kind {what} recorded as {labels.get(row.status, row.status).lower()}"
        yield Entry(row.history_date, "in_kind", "bi-box-seam", title, "", user_name(row.history_user))


def register() -> None:
    registry.register_panel(
        registry.Panel(
            slot="organisation_stats",
            name="sponsors.open_pledges",
            template="sponsors/_organisation_stats.html",
            context=_stats,
            order=10,
        )
    )
    registry.register_panel(
        registry.Panel(
            slot="organisation",
            name="sponsors.pledges",
            template="sponsors/_organisation_panel.html",
            context=_panel,
            order=10,
        )
    )
    registry.register_list_extension(
        "organisation",
        registry.ListExtension(
            name="sponsors",
            annotations=_open_pledge_value,
            columns=_columns,
            filters=_stage_filter,
            order=10,
        ),
    )
    registry.register_list_extension("contact", registry.ListExtension(name="sponsors", filters=_stage_filter))
    registry.register_timeline_source("sponsors.stage_changes", _stage_changes)
    registry.register_timeline_source("sponsors.in_kind", _in_kind_changes)
