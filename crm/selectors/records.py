"""Reads behind the organisation and contact lists (and their exports).

Every per-row figure is a correlated subquery, so a page of 50 rows costs the
same handful of queries as a page of 5, and sorting by a figure happens in SQL.
"""
from decimal import Decimal

from django.db.models import (
    Case, DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value, When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.models import Contact, FollowUp, Interaction, Organisation
from partners.models import Favour
from sponsors.models import OPEN_STAGES, Pledge

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)


def _sum(queryset, field):
    """A subquery summing `field` over `queryset` (already correlated to OuterRef)."""
    return Coalesce(
        Subquery(queryset.order_by().values("organisation").annotate(total=Sum(field)).values("total")[:1],
                 output_field=MONEY),
        ZERO,
    )


def _latest_interaction(**correlation):
    return Subquery(Interaction.objects.filter(**correlation).order_by("-occurred_at").values("occurred_at")[:1])


def _next_followup(**correlation):
    return Subquery(FollowUp.objects.open().filter(**correlation).order_by("due_date").values("due_date")[:1])


def _has_overdue(**correlation):
    return Exists(FollowUp.objects.overdue(timezone.localdate()).filter(**correlation))


def favour_balance_expression():
    """Value received minus value returned; positive means we are in their debt."""
    value = Case(
        When(direction__in=Favour.INBOUND, then="estimated_value"),
        When(direction=Favour.Direction.WE_OWE, then=-1 * Coalesce("estimated_value", ZERO)),
        output_field=MONEY,
    )
    completed = Favour.objects.filter(organisation=OuterRef("pk"), status__in=Favour.COMPLETED)
    return Coalesce(
        Subquery(completed.order_by().values("organisation").annotate(total=Sum(value)).values("total")[:1],
                 output_field=MONEY),
        ZERO,
    )


def organisation_rows():
    """Organisations with the figures the list shows and filters on."""
    open_pledges = Pledge.objects.filter(organisation=OuterRef("pk"), stage__in=OPEN_STAGES)
    return (
        Organisation.objects.select_related("owner")
        .annotate(
            last_contacted=_latest_interaction(organisation=OuterRef("pk")),
            open_pledge_value=_sum(open_pledges, "amount"),
            favours_balance=favour_balance_expression(),
            next_followup=_next_followup(organisation=OuterRef("pk")),
            has_overdue=_has_overdue(organisation=OuterRef("pk")),
        )
    )


def contact_rows():
    """Contacts with their organisation, last contact date and next follow-up."""
    return (
        Contact.objects.select_related("organisation", "owner")
        .annotate(
            last_contacted=_latest_interaction(contact=OuterRef("pk")),
            next_followup=_next_followup(contact=OuterRef("pk")),
            has_overdue=_has_overdue(contact=OuterRef("pk")),
        )
    )


def text_search(queryset, words: str, fields: list[str]):
    """Every word must match one of the fields (so "jane leeds" narrows, not widens)."""
    for word in words.split():
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset


def organisation_page(organisation) -> dict:
    """Everything the organisation page shows besides the timeline, in a fixed number of queries."""
    from sponsors.models import InKindContribution

    pledges = list(organisation.pledges.select_related("event", "tier", "owner").order_by("-created_at"))
    favours = list(organisation.favours.select_related("contact").order_by("-created_at"))
    received = sum((f.estimated_value for f in favours
                    if f.direction in Favour.INBOUND and f.status in Favour.COMPLETED), Decimal("0"))
    returned = sum((f.estimated_value for f in favours
                    if f.direction == Favour.Direction.WE_OWE and f.status in Favour.COMPLETED), Decimal("0"))
    return {
        "contacts": list(organisation.contacts.annotate(last_contacted=_latest_interaction(contact=OuterRef("pk")))),
        "pledges": pledges,
        "open_pledge_value": sum((p.amount for p in pledges if p.stage in OPEN_STAGES), Decimal("0")),
        "in_kind": list(InKindContribution.objects.filter(organisation=organisation).select_related("event")),
        "favours": favours,
        "favours_owed": [f for f in favours if f.direction == Favour.Direction.WE_OWE and f.status in Favour.PENDING],
        "favours_received": received,
        "favours_returned": returned,
        "favours_balance": received - returned,
        "open_followups": list(
            FollowUp.objects.open().filter(organisation=organisation).select_related("assignee", "contact")
        ),
    }


def contact_page(contact) -> dict:
    return {
        "favours": list(contact.favours.select_related("organisation")),
        "open_followups": list(FollowUp.objects.open().filter(contact=contact).select_related("assignee")),
    }
