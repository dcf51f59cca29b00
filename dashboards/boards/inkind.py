"""The in-kind dashboard: what goods and services are offered, confirmed and delivered."""

from decimal import Decimal

from django.db.models import Count, Sum

from crm.links import detail_url
from dashboards import charts
from dashboards.boards.base import Board, Column, Figure, Section, Table, money
from dashboards.filters import Criteria
from sponsors.models import InKindContribution

Category = InKindContribution.Category
Status = InKindContribution.Status
#: What every event needs; "covered" means a confirmed or delivered item exists.
ESSENTIALS = (Category.VENUE, Category.CATERING, Category.AV, Category.LANYARDS)
SECURED = (Status.CONFIRMED, Status.DELIVERED)
STATUS_COLOURS = {
    Status.OFFERED: "#ffc107",
    Status.CONFIRMED: "#0d6efd",
    Status.DELIVERED: "#198754",
    Status.DECLINED: "#adb5bd",
}


def contributions(criteria: Criteria):
    qs = InKindContribution.objects.all()
    if criteria.event is not None:
        qs = qs.filter(event=criteria.event)
    if criteria.owner is not None:
        qs = qs.filter(owner=criteria.owner)
    return qs.filter(criteria.organisation_q(), criteria.datetime_q("created_at"))


def pivot(criteria: Criteria) -> dict:
    """{category: {status: (count, value)}} from one grouped query."""
    out = {c.value: {s.value: (0, Decimal("0.00")) for s in Status} for c in Category}
    rows = (
        contributions(criteria)
        .order_by()
        .values("category", "status")
        .annotate(n=Count("id"), value=Sum("estimated_value"))
    )
    for row in rows:
        out[row["category"]][row["status"]] = (row["n"], money(row["value"]))
    return out


def essentials(criteria: Criteria) -> dict:
    """Whether each essential is covered for the event, whatever the other filters."""
    qs = InKindContribution.objects.filter(category__in=ESSENTIALS, status__in=SECURED)
    if criteria.event is not None:
        qs = qs.filter(event=criteria.event)
    covered = dict(qs.order_by().values_list("category").annotate(n=Count("id")))
    return {c.value: covered.get(c.value, 0) for c in ESSENTIALS}


def build(criteria: Criteria) -> Board:
    org_url = detail_url("crm:organisation_detail")
    data = pivot(criteria)
    board = Board("inkind", f"In-kind contributions — {criteria.event}" if criteria.event else "In-kind contributions")

    def status_total(status):
        return sum((data[c][status][1] for c in data), Decimal("0.00"))

    secured = status_total(Status.CONFIRMED) + status_total(Status.DELIVERED)
    target = money(criteria.event.in_kind_target) if criteria.event else Decimal("0.00")
    board.figures = [
        Figure("In-kind target", target, key="target"),
        Figure("Offered, not yet confirmed", status_total(Status.OFFERED), key="offered"),
        Figure("Confirmed", status_total(Status.CONFIRMED), key="confirmed"),
        Figure("Delivered", status_total(Status.DELIVERED), key="delivered"),
        Figure(
            "Secured",
            secured,
            key="secured",
            note=(f"{secured / target:.0%} of target" if target else "confirmed or delivered"),
        ),
    ]
    board.context["pivot"] = data

    # Value by category and status (pivot table + stacked bar) ---------------------------
    rows, used = [], [c for c in Category if any(data[c.value][s.value][0] for s in Status)]
    for category in used:
        row = {"category": category.label}
        for status in Status:
            row[status.value] = data[category.value][status.value][1]
        row["total"] = sum((data[category.value][s.value][1] for s in Status), Decimal("0.00"))
        rows.append(row)
    footer = {"category": "All categories", "total": sum((r["total"] for r in rows), Decimal("0.00"))}
    for status in Status:
        footer[status.value] = status_total(status.value)
    traces = [
        charts.bar(
            [r["category"] for r in rows],
            [r[status.value] for r in rows],
            name=status.label,
            color=STATUS_COLOURS[status],
        )
        for status in Status
    ]
    board.sections.append(
        Section(
            "Value by category and status",
            Table(
                "by-category",
                "Value by category and status",
                [Column("category", "Category")]
                + [Column(s.value, s.label, "money") for s in Status]
                + [Column("total", "Total", "money")],
                rows,
                footer=footer if rows else None,
                empty="No in-kind contributions for these filters.",
            ),
            charts.render(
                charts.figure(traces, money_axis="yaxis", barmode="stack"),
                "chart-inkind",
                label="In-kind value by category and status",
            )
            if rows
            else "",
            wide=True,
        )
    )

    # Essentials -------------------------------------------------------------------------
    covered = essentials(criteria)
    board.sections.append(
        Section(
            "Essentials covered",
            Table(
                "essentials",
                "Essentials covered",
                [
                    Column("category", "Essential"),
                    Column("status", "Status"),
                    Column("items", "Confirmed or delivered items", "int"),
                ],
                [
                    {
                        "category": Category(c).label,
                        "status": "Covered" if n else "Not covered",
                        "items": n,
                        "_danger": not n,
                    }
                    for c, n in covered.items()
                ],
            ),
            note="For the whole event, whatever the other filters.",
        )
    )

    # Still only offered ----------------------------------------------------------------
    offered = (
        contributions(criteria)
        .filter(status=Status.OFFERED)
        .select_related("organisation", "event")
        .order_by("-estimated_value", "pk")
    )
    board.sections.append(
        Section(
            "Still only offered",
            Table(
                "offered",
                "Still only offered",
                [
                    Column("organisation", "Organisation"),
                    Column("category", "Category"),
                    Column("description", "What"),
                    Column("quantity", "Quantity", "int"),
                    Column("value", "Estimated value", "money"),
                ],
                [
                    {
                        "organisation": i.organisation.name,
                        "category": i.get_category_display(),
                        "description": i.description,
                        "quantity": i.quantity,
                        "value": i.estimated_value,
                        "_url": org_url(i.organisation_id),
                    }
                    for i in offered
                ],
                empty="Nothing is waiting for confirmation.",
                link_column="organisation",
            ),
            wide=True,
        )
    )
    return board
