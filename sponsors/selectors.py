"""Reads shared by the pledge and in-kind pages (board columns, totals)."""
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sponsors.models import CLOSED_LOST_STAGES, OPEN_STAGES, InKindContribution, Pledge, Stage

LOST = "lost"


@dataclass
class BoardColumn:
    """One column of the pipeline board with its cards and totals."""

    key: str
    label: str
    stages: tuple
    cards: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.cards)

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.cards), Decimal("0"))

    @property
    def weighted(self) -> Decimal:
        return sum((p.weighted_amount for p in self.cards), Decimal("0"))


def board_columns_spec() -> list[tuple[str, str, tuple]]:
    """(key, label, stages): one column per open stage, then Paid, then lost."""
    spec = [(s.value, s.label, (s,)) for s in OPEN_STAGES]
    spec.append((Stage.PAID.value, Stage.PAID.label, (Stage.PAID,)))
    spec.append((LOST, "Declined / withdrawn", CLOSED_LOST_STAGES))
    return spec


def pledge_board(pledges) -> list[BoardColumn]:
    """Group pledges into board columns in one query; each card gets `days_in_stage`."""
    columns = [BoardColumn(key, label, stages) for key, label, stages in board_columns_spec()]
    by_stage = {stage: col for col in columns for stage in col.stages}
    now = timezone.now()
    rows = pledges.select_related("organisation", "tier", "owner", "event").order_by("-amount", "id")
    for pledge in rows:
        pledge.days_in_stage = max((now - pledge.stage_changed_at).days, 0)
        by_stage[Stage(pledge.stage)].cards.append(pledge)
    return columns


def in_kind_totals(items) -> list[dict]:
    """Count and value of in-kind contributions per status, every status listed, one query."""
    money = DecimalField(max_digits=14, decimal_places=2)
    found = {
        row["status"]: row
        for row in items.order_by().values("status").annotate(
            count=Count("id"), value=Coalesce(Sum("estimated_value"), Value(Decimal("0")), output_field=money),
        )
    }
    return [
        {"status": status, "label": label, "count": found.get(status, {}).get("count", 0),
         "value": found.get(status, {}).get("value", Decimal("0"))}
        for status, label in InKindContribution.Status.choices
    ]
