"""The partners dashboard: suppliers and training providers, and the favours ledger."""

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from crm.links import detail_url
from crm.models import Role
from dashboards import charts
from dashboards.boards.base import Board, Column, Figure, Section, Table, money, page_rows
from dashboards.filters import Criteria
from partners.models import Favour, PartnerProfile

PARTNER_ROLES = (Role.SUPPLIER, Role.TRAINING_PROVIDER)
RECEIVED = Q(direction__in=Favour.INBOUND, status__in=Favour.COMPLETED)
RETURNED = Q(direction=Favour.Direction.WE_OWE, status__in=Favour.COMPLETED)
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


def _organisation_filters(criteria: Criteria, prefix: str = "organisation__") -> Q:
    q = criteria.organisation_q(prefix)
    if criteria.owner is not None:
        q &= Q(**{f"{prefix}owner": criteria.owner})
    return q


def profile_counts(criteria: Criteria) -> dict:
    """{role: {"status": {status: n}, "offer_type": {type: n}}} for suppliers and training providers."""
    rows = (
        PartnerProfile.objects.filter(_organisation_filters(criteria))
        .filter(Q(organisation__is_supplier=True) | Q(organisation__is_training_provider=True))
        .order_by()
        .values("organisation__is_supplier", "organisation__is_training_provider", "status", "offer_type")
        .annotate(n=Count("id"))
    )
    out = {
        role.value: {
            "status": dict.fromkeys(PartnerProfile.Status.values, 0),
            "offer_type": dict.fromkeys(PartnerProfile.OfferType.values, 0),
        }
        for role in PARTNER_ROLES
    }
    for row in rows:
        for role, flag in (
            (Role.SUPPLIER, "organisation__is_supplier"),
            (Role.TRAINING_PROVIDER, "organisation__is_training_provider"),
        ):
            if row[flag]:
                out[role.value]["status"][row["status"]] += row["n"]
                out[role.value]["offer_type"][row["offer_type"]] += row["n"]
    return out


def favours(criteria: Criteria):
    qs = Favour.objects.filter(_organisation_filters(criteria))
    if criteria.event is not None:
        qs = qs.filter(event=criteria.event)
    return qs.filter(criteria.date_q("occurred_on"))


def balances(criteria: Criteria) -> list[dict]:
    """Received − returned value per organisation, in one aggregate query."""
    org_url = detail_url("crm:organisation_detail")
    rows = (
        favours(criteria)
        .order_by()
        .values("organisation_id", "organisation__name")
        .annotate(
            received=Coalesce(Sum("estimated_value", filter=RECEIVED), ZERO),
            returned=Coalesce(Sum("estimated_value", filter=RETURNED), ZERO),
        )
        .filter(Q(received__gt=0) | Q(returned__gt=0))
    )
    out = [
        {
            "organisation": r["organisation__name"],
            "received": money(r["received"]),
            "returned": money(r["returned"]),
            "balance": money(r["received"]) - money(r["returned"]),
            "_url": org_url(r["organisation_id"]),
        }
        for r in rows
    ]
    out.sort(key=lambda r: (-r["balance"], r["organisation"]))
    return out


def build(criteria: Criteria) -> Board:
    org_url = detail_url("crm:organisation_detail")
    counts = profile_counts(criteria)
    balance_rows = balances(criteria)
    owed = list(favours(criteria).owed().select_related("organisation").order_by("occurred_on", "created_at", "pk"))
    board = Board("partners", "Partners and favours")
    total_received = sum((r["received"] for r in balance_rows), Decimal("0.00"))
    total_returned = sum((r["returned"] for r in balance_rows), Decimal("0.00"))
    board.figures = [
        Figure("Suppliers", sum(counts[Role.SUPPLIER]["status"].values()), "int", key="suppliers"),
        Figure(
            "Training providers",
            sum(counts[Role.TRAINING_PROVIDER]["status"].values()),
            "int",
            key="training_providers",
        ),
        Figure("Favours received", total_received, key="received"),
        Figure("Favours returned", total_returned, key="returned"),
        Figure("Balance", total_received - total_returned, key="balance", note="positive: we are in their debt"),
        Figure("Favours we owe", len(owed), "int", key="owed"),
    ]
    board.context.update(counts=counts, balances=balance_rows, owed=owed)

    for dimension, choices, title in (
        ("status", PartnerProfile.Status, "By partnership status"),
        ("offer_type", PartnerProfile.OfferType, "By offer type"),
    ):
        rows = [
            {
                "label": choice.label,
                **{role.value: counts[role.value][dimension][choice.value] for role in PARTNER_ROLES},
            }
            for choice in choices
        ]
        for row in rows:
            row["total"] = sum(row[r.value] for r in PARTNER_ROLES)
        traces = [
            charts.bar(
                [r["label"] for r in rows], [r[role.value] for r in rows], name=role.label, color=colour, money=False
            )
            for role, colour in zip(PARTNER_ROLES, ("#0d6efd", "#20c997"))
        ]
        board.sections.append(
            Section(
                title,
                Table(
                    f"by-{dimension.replace('_', '-')}",
                    f"Suppliers and training providers {title.lower()}",
                    [Column("label", "Status" if dimension == "status" else "Offer type")]
                    + [Column(r.value, r.label, "int") for r in PARTNER_ROLES]
                    + [Column("total", "Total", "int")],
                    rows,
                ),
                charts.render(
                    charts.figure(traces, barmode="group"), f"chart-{dimension}", label=f"Partners {title.lower()}"
                ),
            )
        )

    shown = sorted(balance_rows, key=lambda r: -abs(r["balance"]))[:15][::-1]
    fig = charts.figure(
        [
            charts.bar(
                [r["organisation"] for r in shown],
                [r["balance"] for r in shown],
                horizontal=True,
                marker={"color": ["#198754" if r["balance"] >= 0 else "#dc3545" for r in shown]},
            )
        ],
        money_axis="xaxis",
        height=max(260, 28 * len(shown) + 60),
        showlegend=False,
    )
    board.sections.append(
        Section(
            "Favours balance by organisation",
            Table(
                "balances",
                "Favours balance",
                [
                    Column("organisation", "Organisation"),
                    Column("received", "Received", "money"),
                    Column("returned", "Returned", "money"),
                    Column("balance", "Balance", "money"),
                ],
                **page_rows(balance_rows, criteria),
                empty="No favours done yet for these filters.",
                link_column="organisation",
                footer={
                    "organisation": "All organisations",
                    "received": total_received,
                    "returned": total_returned,
                    "balance": total_received - total_returned,
                }
                if balance_rows
                else None,
            ),
            charts.render(fig, "chart-balances", label="Favours balance by organisation") if shown else "",
            note="Received (favours we asked for or they offered, done) minus returned (favours we owed, done). "
            "The chart shows the 15 largest balances.",
            wide=True,
        )
    )

    board.sections.append(
        Section(
            "Favours we owe",
            Table(
                "owed",
                "Favours we owe",
                [
                    Column("organisation", "Organisation"),
                    Column("description", "Favour"),
                    Column("status", "Status"),
                    Column("value", "Estimated value", "money"),
                    Column("occurred_on", "Since", "date"),
                ],
                **page_rows(
                    [
                        {
                            "organisation": f.organisation.name,
                            "description": f.description,
                            "status": f.get_status_display(),
                            "value": f.estimated_value,
                            "occurred_on": f.occurred_on,
                            "_url": org_url(f.organisation_id),
                        }
                        for f in owed
                    ],
                    criteria,
                ),
                empty="We owe no favours. Good.",
                link_column="organisation",
            ),
            wide=True,
        )
    )
    return board
