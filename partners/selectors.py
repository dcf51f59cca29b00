"""Favour balances: value they did for us minus value we did in return.

Computed in the database with one aggregate query (Sum over Case/When), so the
ledger and partner list stay constant-query however many organisations there are.
"""
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from crm.models import Organisation
from partners.models import Favour

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)

RECEIVED_Q = Q(favours__direction__in=Favour.INBOUND, favours__status__in=Favour.COMPLETED)
RETURNED_Q = Q(favours__direction=Favour.Direction.WE_OWE, favours__status__in=Favour.COMPLETED)
OWED_Q = Q(favours__direction=Favour.Direction.WE_OWE, favours__status__in=Favour.PENDING)


def _sum_when(condition):
    return Coalesce(
        Sum(Case(When(condition, then=F("favours__estimated_value")), default=ZERO, output_field=MONEY)),
        ZERO, output_field=MONEY,
    )


def _count_when(condition):
    return Count(Case(When(condition, then=F("favours__id"))))


def with_favour_balances(organisations):
    """Annotate organisations with received/returned/owed values and counts and `favour_balance`."""
    return organisations.annotate(
        favours_received=_sum_when(RECEIVED_Q),
        favours_returned=_sum_when(RETURNED_Q),
        favours_owed=_sum_when(OWED_Q),
        received_count=_count_when(RECEIVED_Q),
        returned_count=_count_when(RETURNED_Q),
        owed_count=_count_when(OWED_Q),
        favour_count=Count("favours"),
    ).annotate(favour_balance=F("favours_received") - F("favours_returned"))


def favour_balances(queryset_of_orgs=None):
    """One row per organisation that has any favour, largest debt first.

    Each row is an Organisation with favours_received, favours_returned, favours_owed,
    received_count, returned_count, owed_count and favour_balance (received − returned;
    positive means we are in their debt).
    """
    orgs = Organisation.objects.all() if queryset_of_orgs is None else queryset_of_orgs
    return with_favour_balances(orgs).filter(favour_count__gt=0).order_by("-favour_balance", "name")


def favour_balance_for(organisation) -> Decimal:
    """Value received from this organisation minus value we returned, as an exact Decimal."""
    totals = Favour.objects.filter(organisation=organisation).aggregate(
        received=Coalesce(Sum("estimated_value", filter=Q(direction__in=Favour.INBOUND,
                                                          status__in=Favour.COMPLETED)), ZERO, output_field=MONEY),
        returned=Coalesce(Sum("estimated_value", filter=Q(direction=Favour.Direction.WE_OWE,
                                                          status__in=Favour.COMPLETED)), ZERO, output_field=MONEY),
    )
    return (Decimal(totals["received"]) - Decimal(totals["returned"])).quantize(Decimal("0.01"))
