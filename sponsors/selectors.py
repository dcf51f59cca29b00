"""Reads shared by the pledge and in-kind pages (board columns, totals)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.links import detail_url
from sponsors.models import CLOSED_LOST_STAGES, OPEN_STAGES, STAGE_PROBABILITY, InKindContribution, Stage

LOST = "lost"


@dataclass
class BoardColumn:
    """One column of the pipeline board: totals over all its pledges, cards for the first few."""

    key: str
    label: str
    stages: tuple
    cards: list = field(default_factory=list)
    count: int = 0
    total: Decimal = Decimal("0")
    weighted: Decimal = Decimal("0")

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)


def board_columns_spec() -> list[tuple[str, str, tuple]]:
    """(key, label, stages): one column per open stage, then Paid, then lost."""
    spec: list[tuple[str, str, tuple]] = [(s.value, s.label, (s,)) for s in OPEN_STAGES]
    spec.append((Stage.PAID.value, Stage.PAID.label, (Stage.PAID,)))
    spec.append((LOST, "Declined / withdrawn", CLOSED_LOST_STAGES))
    return spec


#: Cards per column: beyond this the column says how many more there are and links to the list.
CARDS_PER_COLUMN = 30


def pledge_board(pledges, cards_per_column: int = CARDS_PER_COLUMN) -> list[BoardColumn]:
    """The board in a fixed number of queries: count and total per stage from one grouped
    query, cards (largest first) for the first `cards_per_column` of each column.

    Weighted value is each stage's total × its probability, as on the pipeline dashboard.
    """
    columns = [BoardColumn(key, label, stages) for key, label, stages in board_columns_spec()]
    columns_of = {stage.value: col for col in columns for stage in col.stages}
    cent = Decimal("0.01")
    # COUNT(*): the (stage, amount, id) index answers it alone on PostgreSQL too.
    for row in pledges.order_by().values("stage").annotate(count=Count("*"), total=Sum("amount")):
        column = columns_of[row["stage"]]
        total = (row["total"] or Decimal("0")).quantize(cent)
        column.count += row["count"]
        column.total += total
        column.weighted += (total * STAGE_PROBABILITY[Stage(row["stage"])]).quantize(cent)
    now = timezone.now()
    pledge_url = detail_url("sponsors:pledge_detail")
    # Only what a card shows: whole rows of four related tables (users' passwords, organisations'
    # notes, every timestamp parsed) were a third of the board's Python time at 240 cards.
    related = (
        pledges.select_related("organisation", "tier", "owner", "event")
        .only(
            "amount",
            "stage",
            "stage_changed_at",
            "organisation__name",
            "tier__name",
            "event__name",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
        )
        .order_by("-amount", "id")
    )
    for column in columns:
        if column.count:
            column.cards = list(related.filter(stage__in=column.stages)[:cards_per_column])
        for pledge in column.cards:
            pledge.days_in_stage = max((now - pledge.stage_changed_at).days, 0)
            pledge.url = pledge_url(pledge.pk)
    return columns


def in_kind_totals(items) -> list[dict]:
    """Count and value of in-kind contributions per status, every status listed, one query."""
    money: DecimalField = DecimalField(max_digits=14, decimal_places=2)
    found = {
        row["status"]: row
        for row in items.order_by()
        .values("status")
        .annotate(
            count=Count("id"),
            value=Coalesce(Sum("estimated_value"), Value(Decimal("0")), output_field=money),
        )
    }
    return [
        {
            "status": status,
            "label": label,
            "count": found.get(status, {}).get("count", 0),
            "value": found.get(status, {}).get("value", Decimal("0")),
        }
        for status, label in InKindContribution.Status.choices
    ]


def event_tickets(event) -> dict:
    """Capacity, tickets allocated to and claimed by sponsors, what is left to sell, and each
    sponsor's allocation (two queries)."""

    from sponsors.models import TicketAllocation

    rows = list(
        TicketAllocation.objects.filter(pledge__event=event)
        .select_related("pledge__organisation")
        .order_by("-allocated", "pledge__organisation__name")
    )
    allocated = sum(r.allocated for r in rows)
    claimed = sum(r.claimed for r in rows)
    return {
        "capacity": event.capacity,
        "allocated": allocated,
        "claimed": claimed,
        "unclaimed": allocated - claimed,
        "left_to_sell": max(event.capacity - allocated, 0),
        "rows": rows,
    }


def event_sponsorship(event) -> dict:
    """Pledged and paid against the event's target, and the pledges per stage (one query)."""
    from django.db.models import Count, Sum

    from sponsors.models import PLEDGED_STAGES, Pledge, Stage

    found = {
        row["stage"]: row
        for row in Pledge.objects.filter(event=event)
        .values("stage")
        .annotate(count=Count("id"), value=Sum("amount"))
        .order_by()
    }
    pledged = sum((found[s]["value"] or Decimal("0") for s in PLEDGED_STAGES if s in found), Decimal("0"))
    paid = (found.get(Stage.PAID) or {}).get("value") or Decimal("0")
    target = event.sponsorship_target
    return {
        "target": target,
        "pledged": pledged,
        "paid": paid,
        "percent": min(int(pledged * 100 / target), 100) if target else None,
        "stages": [
            {"stage": s, "label": label, "count": found[s]["count"], "value": found[s]["value"]}
            for s, label in Stage.choices
            if s in found
        ],
    }
