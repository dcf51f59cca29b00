"""What the favours ledger adds to the core's organisation and contact pages, list and
timeline (crm.registry). Registered from PartnersConfig.ready()."""

from decimal import Decimal

import django_tables2 as tables
from django.db.models import Case, DecimalField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.html import format_html

from crm import registry
from crm.selectors.timeline import Entry, as_datetime, user_name
from crm.tables.records import money
from partners.models import Favour

MONEY: DecimalField = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)


def organisation_favours(organisation) -> dict:
    """One organisation's favours and its balance (one query, memoised on the instance)."""
    cached = getattr(organisation, "_favours", None)
    if cached is None:
        favours = list(organisation.favours.select_related("contact").order_by("-created_at"))
        received = sum(
            (f.estimated_value for f in favours if f.direction in Favour.INBOUND and f.status in Favour.COMPLETED),
            Decimal("0"),
        )
        returned = sum(
            (
                f.estimated_value
                for f in favours
                if f.direction == Favour.Direction.WE_OWE and f.status in Favour.COMPLETED
            ),
            Decimal("0"),
        )
        cached = organisation._favours = {
            "favours": favours,
            "favours_owed": [
                f for f in favours if f.direction == Favour.Direction.WE_OWE and f.status in Favour.PENDING
            ],
            "favours_received": received,
            "favours_returned": returned,
            "favours_balance": received - returned,
        }
    return cached


def _organisation_stats(organisation, request):
    return {"favours_balance": organisation_favours(organisation)["favours_balance"]}


def _organisation_panel(organisation, request):
    return organisation_favours(organisation)


def _contact_panel(contact, request):
    return {"favours": list(contact.favours.select_related("organisation"))}


# --- the organisation list: favours balance --------------------------------------------------


def favour_balance_expression():
    """Value received minus value returned; positive means we are in their debt."""
    value = Case(
        When(direction__in=Favour.INBOUND, then="estimated_value"),
        When(direction=Favour.Direction.WE_OWE, then=-1 * Coalesce("estimated_value", ZERO)),
        output_field=MONEY,
    )
    completed = Favour.objects.filter(organisation=OuterRef("pk"), status__in=Favour.COMPLETED)
    return Coalesce(
        Subquery(
            completed.order_by().values("organisation").annotate(total=Sum(value)).values("total")[:1],
            output_field=MONEY,
        ),
        ZERO,
    )


class FavourBalanceColumn(tables.Column):
    def render(self, value):
        if not value:
            return "—"
        hint = "we owe them" if value > 0 else "they owe us"
        return format_html('{} <span class="text-secondary small">({})</span>', money(abs(value)), hint)


def _annotations():
    return {"favours_balance": favour_balance_expression()}


def _columns():
    return [
        ("favours_balance", FavourBalanceColumn(verbose_name="Favours balance", attrs={"td": {"class": "text-end"}}))
    ]


# --- the timeline: favours either way --------------------------------------------------------


def _favours(organisation=None, contact=None):
    where = {"organisation": organisation} if organisation is not None else {"contact": contact}
    for item in Favour.objects.filter(**where).select_related("logged_by"):
        title = f"Favour, {item.get_direction_display().lower()}: {item.description}"
        detail = item.get_status_display()
        if item.estimated_value:
            detail += f" · £{item.estimated_value:,.0f}"
        yield Entry(
            as_datetime(item.occurred_on, item.created_at),
            "favour",
            "bi-arrow-left-right",
            title,
            detail,
            user_name(item.logged_by),
        )


def register() -> None:
    registry.register_panel(
        registry.Panel(
            slot="organisation_stats",
            name="partners.balance",
            template="partners/_organisation_stats.html",
            context=_organisation_stats,
            order=20,
        )
    )
    registry.register_panel(
        registry.Panel(
            slot="organisation",
            name="partners.favours",
            template="partners/_organisation_panel.html",
            context=_organisation_panel,
            order=20,
        )
    )
    registry.register_panel(
        registry.Panel(
            slot="contact",
            name="partners.favours",
            template="partners/_contact_panel.html",
            context=_contact_panel,
            order=20,
        )
    )
    registry.register_list_extension(
        "organisation",
        registry.ListExtension(
            name="partners",
            annotations=_annotations,
            columns=_columns,
            order=20,
        ),
    )
    registry.register_timeline_source("partners.favours", _favours)
