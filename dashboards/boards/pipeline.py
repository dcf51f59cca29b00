"""The pipeline dashboard: are we going to hit the target, and who needs chasing?

Every figure comes from one grouped query (pledges by stage); the other sections
are one query each, so the page costs the same number of queries at any size.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

import pandas as pd
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from crm.links import detail_url
from crm.models import Organisation
from dashboards import charts
from dashboards.boards.base import Board, Column, Figure, Section, Table, money, name_from_values
from dashboards.filters import Criteria, local_midnight, pledge_q, pledge_queryset
from sponsors.models import (
    CLOSED_LOST_STAGES,
    OPEN_STAGES,
    PLEDGED_STAGES,
    STAGE_PROBABILITY,
    Pledge,
    PledgeStageChange,
    SponsorshipTier,
    Stage,
)

CONFIRMED_STAGES = (Stage.CONFIRMED, Stage.INVOICED, Stage.PAID)
INVOICED_STAGES = (Stage.INVOICED, Stage.PAID)
WIN_STAGES = (Stage.CONFIRMED, Stage.PAID)
RECENT_DAYS = 60
TOP_OPEN = 10
STUCK_LIMIT = 50
#: Recent wins and losses shown on the page (the CSV has them all).
RECENT_SHOWN = 50


def weighted_expression():
    """amount × the stage's probability, in SQL (for ordering by weighted value)."""
    return Case(
        *[When(stage=stage, then=F("amount") * Value(prob)) for stage, prob in STAGE_PROBABILITY.items()],
        default=Value(Decimal("0")),
        output_field=DecimalField(max_digits=16, decimal_places=4),
    )


def stage_tier_totals(criteria: Criteria) -> list[dict]:
    """Count and total of the pledges per (stage, tier): one grouped query that reads only
    the (event, stage, tier, amount, id) index, shared by the stage summary and the tier slots.
    COUNT(*), not COUNT(id), so PostgreSQL need not visit the table for the ids."""
    return list(
        pledge_queryset(criteria).order_by().values("stage", "tier").annotate(count=Count("*"), total=Sum("amount"))
    )


def stage_summary(totals: list[dict]) -> dict:
    """Count, total and exact weighted value per stage."""
    by_stage = defaultdict(lambda: {"count": 0, "total": Decimal("0.00")})
    for row in totals:
        by_stage[row["stage"]]["count"] += row["count"]
        by_stage[row["stage"]]["total"] += money(row["total"])
    summary = {}
    for stage in Stage:
        row = by_stage[stage.value]
        summary[stage.value] = {
            "stage": stage,
            "count": row["count"],
            "total": row["total"],
            "weighted_exact": row["total"] * STAGE_PROBABILITY[stage],
        }
    return summary


def headline(summary: dict, target: Decimal) -> dict:
    def total(stages):
        return sum((summary[s]["total"] for s in stages), Decimal("0.00"))

    forecast = sum((row["weighted_exact"] for row in summary.values()), Decimal("0")).quantize(Decimal("0.01"))
    return {
        "target": money(target),
        "pledged": total(PLEDGED_STAGES),
        "confirmed": total(CONFIRMED_STAGES),
        "invoiced": total(INVOICED_STAGES),
        "paid": total([Stage.PAID]),
        "forecast": forecast,
        "open_total": total(OPEN_STAGES),
    }


def tier_slots(criteria: Criteria, totals: list[dict]) -> list[dict]:
    """Each tier of the event: slots sold (pledges verbal and beyond) against available."""
    if criteria.event is None:
        return []
    sold = defaultdict(int)
    for row in totals:
        if row["stage"] in PLEDGED_STAGES and row["tier"] is not None:
            sold[row["tier"]] += row["count"]
    tiers = SponsorshipTier.objects.filter(event=criteria.event).order_by("-price", "name")
    if criteria.tier is not None:
        tiers = tiers.filter(pk=criteria.tier.pk)
    return [
        {
            "tier": tier.name,
            "price": tier.price,
            "sold": sold[tier.pk],
            "slots": tier.slots,
            "left": max(tier.slots - sold[tier.pk], 0),
            "_danger": sold[tier.pk] > tier.slots,
        }
        for tier in tiers
    ]


def top_open(criteria: Criteria, limit: int = TOP_OPEN) -> list[dict]:
    """The open pledges with the largest weighted value (amount × the stage's probability),
    ties by larger amount, then older pledge; one query.

    Within one stage the weighted value follows the amount, so the top `limit` overall are
    among each open stage's top `limit` by (amount desc, id). Where the database allows a
    LIMIT inside UNION ALL (PostgreSQL), the candidates are those few per stage, each walked
    from the (event, stage, -amount, id) index until `limit` rows pass the filters (1 ms
    against 5 for sorting every open pledge of the event), and ranked here with exact
    Decimals; SQLite ranks every open pledge in SQL. The ranking reads the pledges alone
    (a join before sorting every open pledge costs several times more); the chosen are
    fetched with their organisation's and owner's names, as plain rows (model instances for
    the 60 candidates cost more than the query).
    """
    base = pledge_queryset(criteria).filter(stage__in=OPEN_STAGES)
    parts = [
        base.filter(stage=stage).order_by("-amount", "pk").values("pk")[:limit]
        for stage in OPEN_STAGES
        if not criteria.stages or stage in criteria.stages
    ]
    if connection.features.supports_slicing_ordering_in_compound and parts:
        candidates = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    else:
        candidates = (
            base.annotate(weighted=weighted_expression()).order_by("-weighted", "-amount", "pk").values("pk")[:limit]
        )
    chosen = [
        {
            "pk": pk,
            "amount": amount,
            "stage": Stage(stage),
            "organisation": organisation,
            "owner": name_from_values(username, first_name, last_name),
            "weighted": amount * STAGE_PROBABILITY[Stage(stage)],
        }
        for pk, amount, stage, organisation, username, first_name, last_name in Pledge.objects.filter(pk__in=candidates)
        .order_by()
        .values_list(
            "pk", "amount", "stage", "organisation__name", "owner__username", "owner__first_name", "owner__last_name"
        )
    ]
    chosen.sort(key=lambda row: (-row["weighted"], -row["amount"], row["pk"]))
    return chosen[:limit]


def stuck(criteria: Criteria, now=None) -> list[dict]:
    """Open pledges whose current stage began more than `stuck_days` ago, longest first, as
    plain rows with their organisation's and owner's names (50 model instances with their
    organisation and owner took twice as long as the query)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=criteria.stuck_days)
    rows = (
        pledge_queryset(criteria)
        .filter(stage__in=OPEN_STAGES, stage_changed_at__lt=cutoff)
        .order_by("stage_changed_at", "pk")
        .values_list(
            "pk",
            "stage",
            "stage_changed_at",
            "amount",
            "organisation__name",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
        )[:STUCK_LIMIT]
    )
    return [
        {
            "pk": pk,
            "stage": Stage(stage),
            "stage_changed_at": changed_at,
            "amount": amount,
            "organisation": organisation,
            "owner": name_from_values(username, first_name, last_name),
        }
        for pk, stage, changed_at, amount, organisation, username, first_name, last_name in rows
    ]


def wins_and_losses(criteria: Criteria, now=None, limit: int | None = None) -> tuple[list, list, int, int]:
    """Moves to confirmed or paid (wins) and to declined or withdrawn (losses), latest first,
    with how many of each there are.

    In the date range when one is set, else in the last 60 days. At scale there are
    thousands, so the page asks for the latest `limit` of each (two small queries walking
    the (changed_at, id) index, plus one count; one query on PostgreSQL); the CSV
    asks for all (limit None).
    """
    now = now or timezone.now()
    changes = PledgeStageChange.objects.filter(
        pledge_q(criteria, created_in_range=False, prefix="pledge__"),
        to_stage__in=WIN_STAGES + CLOSED_LOST_STAGES,
    )
    if criteria.date_from or criteria.date_to:
        changes = changes.filter(criteria.datetime_q("changed_at"))
    else:
        changes = changes.filter(changed_at__gte=now - datetime.timedelta(days=RECENT_DAYS))
    if limit is None:
        wins, losses = [], []
        for change in _change_rows(changes):
            (wins if change["to_stage"] in WIN_STAGES else losses).append(change)
        return wins, losses, len(wins), len(losses)
    if connection.vendor == "postgresql":
        return _latest_wins_and_losses_materialised(changes, limit)
    counts = changes.order_by().aggregate(
        wins=Count("id", filter=Q(to_stage__in=WIN_STAGES)),
        losses=Count("id", filter=Q(to_stage__in=CLOSED_LOST_STAGES)),
    )
    # Always both queries, so the page costs the same number of queries whatever the data.
    wins = _change_rows(changes.filter(to_stage__in=WIN_STAGES), limit)
    losses = _change_rows(changes.filter(to_stage__in=CLOSED_LOST_STAGES), limit)
    return wins, losses, counts["wins"], counts["losses"]


def _latest_wins_and_losses_materialised(changes, limit: int) -> tuple[list, list, int, int]:
    """The latest `limit` wins and losses and how many of each, in one query (PostgreSQL).

    The changes of the period are read once (from the (to_stage, changed_at, pledge) index,
    which includes the change's id, and the event's pledge ids) into a materialised
    CTE; each kind's latest `limit` are then a top-N sort of it and the counts one pass over
    it (numbering every change with two window functions over a full sort took 12–17% longer
    at 3,500 changes).
    The note, the organisation's name, the amount and the lost reason are joined to the few
    rows kept (the note by a subquery per row: joined, the planner expected thousands of rows
    kept and read the whole table). On SQLite, which joins row by row, this is slower than a
    count and two "latest" queries walking the (changed_at, id) index, so SQLite keeps those.
    """
    win = Case(When(to_stage__in=WIN_STAGES, then=Value(True)), default=Value(False), output_field=BooleanField())
    period_sql, params = (
        changes.order_by()
        .annotate(is_win=win)
        .values_list("id", "changed_at", "to_stage", "pledge_id", "is_win")
        .query.sql_with_params()
    )
    quote = connection.ops.quote_name
    change, pledge, organisation = (quote(model._meta.db_table) for model in (PledgeStageChange, Pledge, Organisation))
    latest = "SELECT * FROM period WHERE {} is_win ORDER BY changed_at DESC, id DESC LIMIT %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH period AS MATERIALIZED ({period_sql}), "
            f"kept AS (({latest.format('')}) UNION ALL ({latest.format('NOT')})) "
            f"SELECT r.changed_at, r.to_stage, (SELECT c.note FROM {change} c WHERE c.id = r.id), r.pledge_id, "
            f"p.organisation_id, o.name, p.amount, p.lost_reason, r.is_win, "
            f"CASE WHEN r.is_win THEN n.wins ELSE n.losses END "
            f"FROM kept r JOIN {pledge} p ON p.id = r.pledge_id JOIN {organisation} o ON o.id = p.organisation_id "
            f"CROSS JOIN (SELECT COUNT(*) FILTER (WHERE is_win) AS wins, COUNT(*) FILTER (WHERE NOT is_win) AS losses "
            f"FROM period) n ORDER BY r.changed_at DESC, r.id DESC",
            [*params, limit, limit],
        )
        rows = cursor.fetchall()
    keys = (
        "changed_at",
        "to_stage",
        "note",
        "pledge_id",
        "organisation_id",
        "organisation",
        "amount",
        "lost_reason",
        "is_win",
        "of",
    )
    wins, losses, counts = [], [], {True: 0, False: 0}
    for row in rows:
        change = dict(zip(keys, row))
        counts[change["is_win"]] = change["of"]
        (wins if change["is_win"] else losses).append(change)
    return wins, losses, counts[True], counts[False]


def _change_rows(changes, limit=None, extra=()) -> list[dict]:
    """Stage changes as plain dicts, latest first (no model instances: cheaper by far)."""
    keys = (
        "changed_at",
        "to_stage",
        "note",
        "pledge_id",
        "organisation_id",
        "organisation",
        "amount",
        "lost_reason",
        *tuple(extra),
    )
    changes = changes.order_by("-changed_at", "-id").values_list(
        "changed_at",
        "to_stage",
        "note",
        "pledge_id",
        "pledge__organisation_id",
        "pledge__organisation__name",
        "pledge__amount",
        "pledge__lost_reason",
        *extra,
    )
    if limit is not None:
        changes = changes[:limit]
    return [dict(zip(keys, row)) for row in changes]


def monthly(criteria: Criteria) -> pd.DataFrame:
    """Per month: amount first pledged (verbal or beyond) and amount that reached paid.

    Each pledge counts once, in the month it first reached the stage (`pledged_at`,
    `paid_at`, kept from the stage history); the date range, if any, limits the months
    shown. SQL sums whole local months itself (PostgreSQL truncates each date to its local
    month; SQLite buckets by a CASE over the months' local-midnight starts), so the cost
    does not grow with the number of pledges on the Python side.
    """
    columns = ["month", "pledged", "paid", "cumulative_pledged", "cumulative_paid"]
    pledges = Pledge.objects.filter(pledge_q(criteria, created_in_range=False), pledged_at__isnull=False).order_by()
    if connection.vendor == "postgresql":
        pledged, paid = _monthly_sums_truncated(pledges)
        all_months = sorted(set(pledged) | set(paid))
        all_months = _months_between(all_months[0], all_months[-1]) if all_months else []
    else:
        pledged, paid, all_months = _monthly_sums_bucketed(pledges)
    lower = criteria.date_from.replace(day=1) if criteria.date_from else None
    upper = criteria.date_to
    shown = [m for m in set(pledged) | set(paid) if (lower is None or m >= lower) and (upper is None or m <= upper)]
    if not shown:
        return pd.DataFrame(columns=columns)
    # Every month between the first and the last, so quiet months show as zero.
    months = [m for m in all_months if min(shown) <= m <= max(shown)]
    frame = pd.DataFrame(
        {
            "month": months,
            "pledged": [pledged.get(m, Decimal("0.00")) for m in months],
            "paid": [paid.get(m, Decimal("0.00")) for m in months],
        }
    )
    frame["cumulative_pledged"] = _cumulative(frame["pledged"])
    frame["cumulative_paid"] = _cumulative(frame["paid"])
    return frame[columns]


def _monthly_sums_truncated(pledges) -> tuple[dict, dict]:
    """Amount first pledged and amount paid per local month, in one query (PostgreSQL): each
    milestone truncated to its month in the current time zone and grouped, read from the
    (event, pledged_at, paid_at, amount) index (4 ms against 6 for the three bucketed queries)."""
    zone = timezone.get_current_timezone()

    def per_month(field, kind):
        return (
            pledges.filter(**{f"{field}__isnull": False})
            .annotate(kind=Value(kind), month=TruncMonth(field, tzinfo=zone))
            .values("kind", "month")
            .annotate(total=Sum("amount"))
            .values_list("kind", "month", "total")
        )

    sums = ({}, {})
    for kind, month, total in per_month("pledged_at", 0).union(per_month("paid_at", 1), all=True):
        sums[kind][timezone.localtime(month, zone).date()] = money(total)
    return sums


def _monthly_sums_bucketed(pledges) -> tuple[dict, dict, list]:
    """The same sums (SQLite, whose per-row time zone conversion is slow): the span of months
    first, then each milestone bucketed by a CASE over the months' local-midnight starts."""
    span = pledges.aggregate(first=Min("pledged_at"), last_pledged=Max("pledged_at"), last_paid=Max("paid_at"))
    # With no pledges the sums below still run (over one month), so the page costs the
    # same number of queries whatever the data.
    first = span["first"] or timezone.now()
    last = max(span["last_pledged"] or first, span["last_paid"] or first)
    all_months = _months_between(_month(first), _month(last))

    def per_month(field):
        bucket = Case(
            *[When(**{f"{field}__lt": local_midnight(m)}, then=Value(i)) for i, m in enumerate(all_months[1:])],
            default=Value(len(all_months) - 1),
            output_field=IntegerField(),
        )
        rows = (
            pledges.filter(**{f"{field}__isnull": False})
            .annotate(bucket=bucket)
            .values("bucket")
            .annotate(total=Sum("amount"))
        )
        # Over one month the CASE is a constant, which Django leaves out of the GROUP BY: no
        # pledges then give one row with no total, not no rows.
        return {all_months[row["bucket"]]: money(row["total"]) for row in rows if row["total"] is not None}

    return per_month("pledged_at"), per_month("paid_at"), all_months


def _months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first day of every month from `first`'s to `last`'s."""
    return [p.to_timestamp().date() for p in pd.period_range(first, last, freq="M")]


def _cumulative(values):
    running, out = Decimal("0.00"), []
    for value in values:
        running += value
        out.append(running)
    return out


def _month(when) -> datetime.date:
    return timezone.localtime(when).date().replace(day=1)


def build(criteria: Criteria, now=None) -> Board:
    now = now or timezone.now()
    pledge_url = detail_url("sponsors:pledge_detail")
    event = criteria.event
    target = event.sponsorship_target if event else Decimal("0")
    totals = stage_tier_totals(criteria)
    summary = stage_summary(totals)
    figures = headline(summary, target)
    forecast_share = (figures["forecast"] / figures["target"]) if figures["target"] else None

    board = Board("pipeline", f"Sponsorship pipeline — {event}" if event else "Sponsorship pipeline")
    board.figures = [
        Figure("Target", figures["target"], key="target"),
        Figure("Pledged", figures["pledged"], key="pledged", note="verbal pledge and beyond"),
        Figure("Confirmed", figures["confirmed"], key="confirmed", note="confirmed, invoiced or paid"),
        Figure("Invoiced", figures["invoiced"], key="invoiced", note="invoiced or paid"),
        Figure("Paid", figures["paid"], key="paid"),
        Figure(
            "Weighted forecast",
            figures["forecast"],
            key="forecast",
            note=(f"{forecast_share:.0%} of target" if forecast_share is not None else "no target set"),
        ),
    ]
    board.context.update(figures=figures, summary=summary, forecast_share=forecast_share)

    # Forecast against target -------------------------------------------------------
    labels = ["Paid", "Invoiced", "Confirmed", "Pledged", "Weighted forecast", "Target"]
    values = [
        figures["paid"],
        figures["invoiced"],
        figures["confirmed"],
        figures["pledged"],
        figures["forecast"],
        figures["target"],
    ]
    colours = ["#198754", "#20c997", "#0d6efd", "#6f42c1", "#fd7e14", "#adb5bd"]
    fig = charts.figure(
        [charts.bar(labels, values, horizontal=True, marker={"color": colours})],
        money_axis="xaxis",
        height=280,
        showlegend=False,
    )
    if figures["target"]:
        charts.vertical_line(fig, float(figures["target"]), color="#dc3545")
    board.sections.append(
        Section(
            "Forecast against target",
            Table(
                "forecast",
                "Forecast against target",
                [Column("measure", "Measure"), Column("amount", "Amount", "money")],
                [{"measure": label, "amount": value} for label, value in zip(labels, values)],
            ),
            charts.render(fig, "chart-forecast", label="Forecast against target"),
        )
    )

    # Pipeline by stage --------------------------------------------------------------
    stage_rows = [
        {
            "stage": row["stage"].label,
            "probability": STAGE_PROBABILITY[row["stage"]],
            "count": row["count"],
            "total": row["total"],
            "weighted": row["weighted_exact"].quantize(Decimal("0.01")),
        }
        for row in summary.values()
    ]
    fig = charts.figure(
        [
            charts.bar(
                [r["stage"] for r in stage_rows], [r["total"] for r in stage_rows], name="Total", color="#9ec5fe"
            ),
            charts.bar(
                [r["stage"] for r in stage_rows], [r["weighted"] for r in stage_rows], name="Weighted", color="#0d6efd"
            ),
        ],
        money_axis="yaxis",
        barmode="group",
    )
    board.sections.append(
        Section(
            "Pipeline by stage",
            Table(
                "stages",
                "Pipeline by stage",
                [
                    Column("stage", "Stage"),
                    Column("probability", "Probability", "percent"),
                    Column("count", "Pledges", "int"),
                    Column("total", "Total", "money"),
                    Column("weighted", "Weighted", "money"),
                ],
                stage_rows,
                footer={
                    "stage": "All stages",
                    "count": sum(r["count"] for r in stage_rows),
                    "total": sum((r["total"] for r in stage_rows), Decimal("0.00")),
                    "weighted": figures["forecast"],
                },
            ),
            charts.render(fig, "chart-stages", label="Pipeline by stage"),
        )
    )

    # Tier slots -------------------------------------------------------------------------
    slots = tier_slots(criteria, totals)
    fig = charts.figure(
        [
            charts.bar(
                [r["tier"] for r in slots], [r["sold"] for r in slots], name="Sold", color="#198754", money=False
            ),
            charts.bar(
                [r["tier"] for r in slots],
                [r["left"] for r in slots],
                name="Still available",
                color="#dee2e6",
                money=False,
            ),
        ],
        barmode="stack",
    )
    board.sections.append(
        Section(
            "Tier slots sold",
            Table(
                "tiers",
                "Tier slots sold against available",
                [
                    Column("tier", "Tier"),
                    Column("price", "Price", "money"),
                    Column("sold", "Sold", "int"),
                    Column("slots", "Slots", "int"),
                    Column("left", "Still available", "int"),
                ],
                slots,
                empty="This event has no sponsorship tiers yet.",
            ),
            charts.render(fig, "chart-tiers", label="Tier slots sold") if slots else "",
        )
    )

    # Top open pledges -------------------------------------------------------------------
    top = top_open(criteria)
    board.sections.append(
        Section(
            "Top open pledges by weighted value",
            Table(
                "top-open",
                "Top open pledges",
                [
                    Column("organisation", "Organisation"),
                    Column("stage", "Stage"),
                    Column("owner", "Owner"),
                    Column("amount", "Amount", "money"),
                    Column("weighted", "Weighted", "money"),
                ],
                [
                    {
                        "organisation": p["organisation"],
                        "stage": str(p["stage"].label),
                        "owner": p["owner"],
                        "amount": p["amount"],
                        "weighted": p["weighted"].quantize(Decimal("0.01")),
                        "_url": pledge_url(p["pk"]),
                    }
                    for p in top
                ],
                empty="No open pledges.",
                link_column="organisation",
            ),
        )
    )

    # Stuck -------------------------------------------------------------------------------
    stuck_rows = []
    for p in stuck(criteria, now):
        stuck_rows.append(
            {
                "organisation": p["organisation"],
                "stage": str(p["stage"].label),
                "owner": p["owner"],
                "since": timezone.localtime(p["stage_changed_at"]).date(),
                "days": (now - p["stage_changed_at"]).days,
                "amount": p["amount"],
                "_url": pledge_url(p["pk"]),
            }
        )
    board.sections.append(
        Section(
            f"Stuck for more than {criteria.stuck_days} days",
            Table(
                "stuck",
                "Stuck pledges",
                [
                    Column("organisation", "Organisation"),
                    Column("stage", "Stage"),
                    Column("owner", "Owner"),
                    Column("since", "In this stage since", "date"),
                    Column("days", "Days", "int"),
                    Column("amount", "Amount", "money"),
                ],
                stuck_rows,
                empty=f"No open pledge has been in one stage for more than {criteria.stuck_days} days.",
                link_column="organisation",
            ),
            note=f"Open pledges whose current stage began more than {criteria.stuck_days} days ago"
            + (f" (showing the first {STUCK_LIMIT})." if len(stuck_rows) == STUCK_LIMIT else "."),
        )
    )

    # Wins and losses ------------------------------------------------------------------
    all_rows = criteria.extra.get("all_rows", False)
    wins, losses, win_count, loss_count = wins_and_losses(criteria, now, None if all_rows else RECENT_SHOWN)
    period = "in the date range" if (criteria.date_from or criteria.date_to) else f"in the last {RECENT_DAYS} days"
    board.sections.append(
        Section(
            f"Recent wins ({period})",
            Table(
                "wins",
                "Recent wins",
                [
                    Column("date", "Date", "date"),
                    Column("organisation", "Organisation"),
                    Column("stage", "Moved to"),
                    Column("amount", "Amount", "money"),
                ],
                [
                    {
                        "date": timezone.localtime(c["changed_at"]).date(),
                        "organisation": c["organisation"],
                        "stage": str(Stage(c["to_stage"]).label),
                        "amount": c["amount"],
                        "_url": pledge_url(c["pledge_id"]),
                    }
                    for c in wins
                ],
                empty=f"No wins {period}.",
                link_column="organisation",
                total=win_count,
            ),
        )
    )
    board.sections.append(
        Section(
            f"Recent losses ({period})",
            Table(
                "losses",
                "Recent losses",
                [
                    Column("date", "Date", "date"),
                    Column("organisation", "Organisation"),
                    Column("stage", "Moved to"),
                    Column("amount", "Amount", "money"),
                    Column("reason", "Reason"),
                ],
                [
                    {
                        "date": timezone.localtime(c["changed_at"]).date(),
                        "organisation": c["organisation"],
                        "stage": str(Stage(c["to_stage"]).label),
                        "amount": c["amount"],
                        "reason": c["lost_reason"] or c["note"],
                        "_url": pledge_url(c["pledge_id"]),
                    }
                    for c in losses
                ],
                empty=f"No losses {period}.",
                link_column="organisation",
                total=loss_count,
            ),
        )
    )

    # Month by month -----------------------------------------------------------------
    frame = monthly(criteria)
    month_rows = [
        {
            "month": row.month.strftime("%b %Y"),
            "pledged": row.pledged,
            "paid": row.paid,
            "cumulative_pledged": row.cumulative_pledged,
            "cumulative_paid": row.cumulative_paid,
        }
        for row in frame.itertuples(index=False)
    ]
    months = [r["month"] for r in month_rows]
    fig = charts.figure(
        [
            charts.bar(months, [r["pledged"] for r in month_rows], name="Pledged", color="#6f42c1"),
            charts.bar(months, [r["paid"] for r in month_rows], name="Paid", color="#198754"),
            charts.line(months, [r["cumulative_pledged"] for r in month_rows], name="Pledged to date", color="#6f42c1"),
            charts.line(months, [r["cumulative_paid"] for r in month_rows], name="Paid to date", color="#198754"),
        ],
        money_axis="yaxis",
        barmode="group",
    )
    board.sections.append(
        Section(
            "Pledged against paid, month by month",
            Table(
                "monthly",
                "Pledged and paid by month",
                [
                    Column("month", "Month"),
                    Column("pledged", "Pledged", "money"),
                    Column("paid", "Paid", "money"),
                    Column("cumulative_pledged", "Pledged to date", "money"),
                    Column("cumulative_paid", "Paid to date", "money"),
                ],
                month_rows,
                empty="No pledge has reached a verbal pledge yet.",
            ),
            charts.render(fig, "chart-monthly", label="Pledged against paid by month") if month_rows else "",
            note="Each pledge counts in the month it first became a verbal pledge (or firmer), and in the month it was paid.",
            wide=True,
        )
    )
    return board
