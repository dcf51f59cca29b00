"""The pipeline dashboard: are we going to hit the target, and who needs chasing?

Every figure comes from one grouped query (pledges by stage); the other sections
are one query each, so the page costs the same number of queries at any size.
"""
import bisect
import datetime
from collections import defaultdict
from decimal import Decimal

import pandas as pd
from django.db.models import Case, CharField, Count, DecimalField, F, Min, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils import timezone

from crm import charts
from crm.dashboards.base import Board, Column, Figure, Section, Table, money
from crm.dashboards.filters import Criteria, pledge_q, pledge_queryset
from sponsors.models import (
    CLOSED_LOST_STAGES, OPEN_STAGES, PLEDGED_STAGES, STAGE_PROBABILITY, Pledge, PledgeStageChange,
    SponsorshipTier, Stage,
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
        default=Value(Decimal("0")), output_field=DecimalField(max_digits=16, decimal_places=4),
    )


def stage_summary(criteria: Criteria) -> dict:
    """Count, total and exact weighted value per stage, from one grouped query."""
    rows = {
        row["stage"]: row
        for row in pledge_queryset(criteria).order_by().values("stage").annotate(count=Count("id"), total=Sum("amount"))
    }
    summary = {}
    for stage in Stage:
        row = rows.get(stage.value, {})
        total = money(row.get("total"))
        summary[stage.value] = {
            "stage": stage, "count": row.get("count", 0), "total": total,
            "weighted_exact": total * STAGE_PROBABILITY[stage],
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


def tier_slots(criteria: Criteria) -> list[dict]:
    """Each tier of the event: slots sold (pledges verbal and beyond) against available."""
    if criteria.event is None:
        return []
    sold = dict(
        pledge_queryset(criteria).filter(stage__in=PLEDGED_STAGES, tier__isnull=False)
        .order_by().values_list("tier").annotate(n=Count("id"))
    )
    tiers = SponsorshipTier.objects.filter(event=criteria.event).order_by("-price", "name")
    if criteria.tier is not None:
        tiers = tiers.filter(pk=criteria.tier.pk)
    return [
        {"tier": tier.name, "price": tier.price, "sold": sold.get(tier.pk, 0), "slots": tier.slots,
         "left": max(tier.slots - sold.get(tier.pk, 0), 0), "_danger": sold.get(tier.pk, 0) > tier.slots}
        for tier in tiers
    ]


def top_open(criteria: Criteria, limit: int = TOP_OPEN) -> list[Pledge]:
    return list(
        pledge_queryset(criteria).filter(stage__in=OPEN_STAGES)
        .annotate(weighted=weighted_expression())
        .select_related("organisation", "owner", "tier")
        .order_by("-weighted", "-amount", "pk")[:limit]
    )


def stuck(criteria: Criteria, now=None) -> list[Pledge]:
    """Open pledges whose current stage began more than `stuck_days` ago, longest first."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=criteria.stuck_days)
    return list(
        pledge_queryset(criteria).filter(stage__in=OPEN_STAGES, stage_changed_at__lt=cutoff)
        .select_related("organisation", "owner").order_by("stage_changed_at", "pk")[:STUCK_LIMIT]
    )


def wins_and_losses(criteria: Criteria, now=None, limit: int | None = None) -> tuple[list, list, int, int]:
    """Moves to confirmed or paid (wins) and to declined or withdrawn (losses), latest first,
    with how many of each there are.

    In the date range when one is set, else in the last 60 days. At scale there are
    thousands, so the page asks for the latest `limit` of each (two small queries walking
    the changed_at index, plus one count); the CSV asks for all (limit None).
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
    counts = changes.order_by().aggregate(wins=Count("id", filter=Q(to_stage__in=WIN_STAGES)),
                                          losses=Count("id", filter=Q(to_stage__in=CLOSED_LOST_STAGES)))
    # Always both queries, so the page costs the same number of queries whatever the data.
    wins = _change_rows(changes.filter(to_stage__in=WIN_STAGES), limit)
    losses = _change_rows(changes.filter(to_stage__in=CLOSED_LOST_STAGES), limit)
    return wins, losses, counts["wins"], counts["losses"]


def _change_rows(changes, limit=None) -> list[dict]:
    """Stage changes as plain dicts, latest first (no model instances: cheaper by far)."""
    changes = changes.order_by("-changed_at", "-id").values_list(
        "changed_at", "to_stage", "note", "pledge_id", "pledge__organisation_id", "pledge__organisation__name",
        "pledge__amount", "pledge__lost_reason",
    )
    if limit is not None:
        changes = changes[:limit]
    keys = ("changed_at", "to_stage", "note", "pledge_id", "organisation_id", "organisation", "amount", "lost_reason")
    return [dict(zip(keys, row)) for row in changes]


def monthly(criteria: Criteria) -> pd.DataFrame:
    """Per month: amount first pledged (verbal or beyond) and amount that reached paid.

    Each pledge counts once, in the month it first reached the stage; the date
    range, if any, limits the months shown. One query returns each pledge's amount
    and first pledged/paid moments (subqueries on the (pledge, changed_at) index);
    months are found by bisecting local month starts, not by converting every moment.
    """
    def first(stages):
        # As text (UTC, sortable): parsing thousands of datetimes costs more than the query.
        return Cast(Subquery(
            PledgeStageChange.objects.filter(pledge=OuterRef("pk"), to_stage__in=stages)
            .order_by().values("pledge").annotate(first=Min("changed_at")).values("first")[:1]
        ), CharField())

    rows = list(
        Pledge.objects.filter(pledge_q(criteria, created_in_range=False))
        .annotate(first_pledged=first(PLEDGED_STAGES), first_paid=first([Stage.PAID]))
        .filter(first_pledged__isnull=False).order_by()
        .values_list("amount", "first_pledged", "first_paid")
    )
    columns = ["month", "pledged", "paid", "cumulative_pledged", "cumulative_paid"]
    if not rows:
        return pd.DataFrame(columns=columns)
    month_of = _MonthFinder(min(r[1] for r in rows), max(r[2] or r[1] for r in rows))
    sums = defaultdict(lambda: {"pledged": Decimal("0.00"), "paid": Decimal("0.00")})
    for amount, first_pledged, first_paid in rows:
        amount = money(amount)
        sums[month_of(first_pledged)]["pledged"] += amount
        if first_paid is not None:
            sums[month_of(first_paid)]["paid"] += amount
    lower = criteria.date_from.replace(day=1) if criteria.date_from else None
    upper = criteria.date_to
    sums = {m: v for m, v in sums.items() if (lower is None or m >= lower) and (upper is None or m <= upper)}
    if not sums:
        return pd.DataFrame(columns=columns)
    # Every month between the first and the last, so quiet months show as zero.
    months = [p.to_timestamp().date() for p in pd.period_range(min(sums), max(sums), freq="M")]
    frame = pd.DataFrame({
        "month": months,
        "pledged": [sums[m]["pledged"] if m in sums else Decimal("0.00") for m in months],
        "paid": [sums[m]["paid"] if m in sums else Decimal("0.00") for m in months],
    })
    frame["cumulative_pledged"] = _cumulative(frame["pledged"])
    frame["cumulative_paid"] = _cumulative(frame["paid"])
    return frame[columns]


class _MonthFinder:
    """The local month (its first day) of a UTC moment given as database text, by bisecting
    the UTC text of each local month's start (text compares in time order)."""

    def __init__(self, earliest: str, latest: str):
        month = _month(_parse_utc(earliest))
        last = _month(_parse_utc(latest))
        self.months, self.starts = [], []
        while month <= last:
            start = datetime.datetime.combine(month, datetime.time.min, tzinfo=timezone.get_current_timezone())
            self.months.append(month)
            self.starts.append(start.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"))
            month = (month + datetime.timedelta(days=32)).replace(day=1)

    def __call__(self, when: str) -> datetime.date:
        return self.months[max(bisect.bisect_right(self.starts, when) - 1, 0)]


def _parse_utc(text: str) -> datetime.datetime:
    moment = parse_datetime(text.replace("T", " "))
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.timezone.utc)


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
    event = criteria.event
    target = event.sponsorship_target if event else Decimal("0")
    summary = stage_summary(criteria)
    figures = headline(summary, target)
    forecast_share = (figures["forecast"] / figures["target"]) if figures["target"] else None

    board = Board("pipeline", f"Sponsorship pipeline — {event}" if event else "Sponsorship pipeline")
    board.figures = [
        Figure("Target", figures["target"], key="target"),
        Figure("Pledged", figures["pledged"], key="pledged", note="verbal pledge and beyond"),
        Figure("Confirmed", figures["confirmed"], key="confirmed", note="confirmed, invoiced or paid"),
        Figure("Invoiced", figures["invoiced"], key="invoiced", note="invoiced or paid"),
        Figure("Paid", figures["paid"], key="paid"),
        Figure("Weighted forecast", figures["forecast"], key="forecast",
               note=(f"{forecast_share:.0%} of target" if forecast_share is not None else "no target set")),
    ]
    board.context.update(figures=figures, summary=summary, forecast_share=forecast_share)

    # Forecast against target -------------------------------------------------------
    labels = ["Paid", "Invoiced", "Confirmed", "Pledged", "Weighted forecast", "Target"]
    values = [figures["paid"], figures["invoiced"], figures["confirmed"], figures["pledged"],
              figures["forecast"], figures["target"]]
    colours = ["#198754", "#20c997", "#0d6efd", "#6f42c1", "#fd7e14", "#adb5bd"]
    fig = charts.figure([charts.bar(labels, values, horizontal=True, marker=dict(color=colours))],
                        money_axis="xaxis", height=280, showlegend=False)
    if figures["target"]:
        fig.add_vline(x=float(figures["target"]), line_dash="dash", line_color="#dc3545")
    board.sections.append(Section(
        "Forecast against target",
        Table("forecast", "Forecast against target", [Column("measure", "Measure"), Column("amount", "Amount", "money")],
              [{"measure": label, "amount": value} for label, value in zip(labels, values)]),
        charts.render(fig, "chart-forecast", label="Forecast against target"),
    ))

    # Pipeline by stage --------------------------------------------------------------
    stage_rows = [
        {"stage": row["stage"].label, "probability": STAGE_PROBABILITY[row["stage"]], "count": row["count"],
         "total": row["total"], "weighted": row["weighted_exact"].quantize(Decimal("0.01"))}
        for row in summary.values()
    ]
    fig = charts.figure([
        charts.bar([r["stage"] for r in stage_rows], [r["total"] for r in stage_rows], name="Total",
                   color="#9ec5fe"),
        charts.bar([r["stage"] for r in stage_rows], [r["weighted"] for r in stage_rows], name="Weighted",
                   color="#0d6efd"),
    ], money_axis="yaxis", barmode="group")
    board.sections.append(Section(
        "Pipeline by stage",
        Table("stages", "Pipeline by stage", [
            Column("stage", "Stage"), Column("probability", "Probability", "percent"), Column("count", "Pledges", "int"),
            Column("total", "Total", "money"), Column("weighted", "Weighted", "money"),
        ], stage_rows, footer={
            "stage": "All stages", "count": sum(r["count"] for r in stage_rows),
            "total": sum((r["total"] for r in stage_rows), Decimal("0.00")), "weighted": figures["forecast"],
        }),
        charts.render(fig, "chart-stages", label="Pipeline by stage"),
    ))

    # Tier slots -------------------------------------------------------------------------
    slots = tier_slots(criteria)
    fig = charts.figure([
        charts.bar([r["tier"] for r in slots], [r["sold"] for r in slots], name="Sold", color="#198754", money=False),
        charts.bar([r["tier"] for r in slots], [r["left"] for r in slots], name="Still available", color="#dee2e6",
                   money=False),
    ], barmode="stack")
    board.sections.append(Section(
        "Tier slots sold",
        Table("tiers", "Tier slots sold against available", [
            Column("tier", "Tier"), Column("price", "Price", "money"), Column("sold", "Sold", "int"),
            Column("slots", "Slots", "int"), Column("left", "Still available", "int"),
        ], slots, empty="This event has no sponsorship tiers yet."),
        charts.render(fig, "chart-tiers", label="Tier slots sold") if slots else "",
    ))

    # Top open pledges -------------------------------------------------------------------
    top = top_open(criteria)
    board.sections.append(Section("Top open pledges by weighted value", Table("top-open", "Top open pledges", [
        Column("organisation", "Organisation"), Column("stage", "Stage"), Column("owner", "Owner"),
        Column("amount", "Amount", "money"), Column("weighted", "Weighted", "money"),
    ], [
        {"organisation": p.organisation.name, "stage": p.get_stage_display(), "owner": _name(p.owner),
         "amount": p.amount, "weighted": p.weighted_amount, "_url": _pledge_url(p)}
        for p in top
    ], empty="No open pledges.", link_column="organisation")))

    # Stuck -------------------------------------------------------------------------------
    stuck_rows = []
    for p in stuck(criteria, now):
        stuck_rows.append({
            "organisation": p.organisation.name, "stage": p.get_stage_display(), "owner": _name(p.owner),
            "since": timezone.localtime(p.stage_changed_at).date(),
            "days": (now - p.stage_changed_at).days, "amount": p.amount, "_url": _pledge_url(p),
        })
    board.sections.append(Section(
        f"Stuck for more than {criteria.stuck_days} days",
        Table("stuck", "Stuck pledges", [
            Column("organisation", "Organisation"), Column("stage", "Stage"), Column("owner", "Owner"),
            Column("since", "In this stage since", "date"), Column("days", "Days", "int"),
            Column("amount", "Amount", "money"),
        ], stuck_rows, empty=f"No open pledge has been in one stage for more than {criteria.stuck_days} days.",
            link_column="organisation"),
        note=f"Open pledges whose current stage began more than {criteria.stuck_days} days ago"
             + (f" (showing the first {STUCK_LIMIT})." if len(stuck_rows) == STUCK_LIMIT else "."),
    ))

    # Wins and losses ------------------------------------------------------------------
    all_rows = criteria.extra.get("all_rows", False)
    wins, losses, win_count, loss_count = wins_and_losses(criteria, now, None if all_rows else RECENT_SHOWN)
    period = "in the date range" if (criteria.date_from or criteria.date_to) else f"in the last {RECENT_DAYS} days"
    url_of = _pledge_url_maker()
    board.sections.append(Section(f"Recent wins ({period})", Table("wins", "Recent wins", [
        Column("date", "Date", "date"), Column("organisation", "Organisation"), Column("stage", "Moved to"),
        Column("amount", "Amount", "money"),
    ], [
        {"date": timezone.localtime(c["changed_at"]).date(), "organisation": c["organisation"],
         "stage": str(Stage(c["to_stage"]).label), "amount": c["amount"], "_url": url_of(c["pledge_id"], c["organisation_id"])}
        for c in wins
    ], empty=f"No wins {period}.", link_column="organisation", total=win_count)))
    board.sections.append(Section(f"Recent losses ({period})", Table("losses", "Recent losses", [
        Column("date", "Date", "date"), Column("organisation", "Organisation"), Column("stage", "Moved to"),
        Column("amount", "Amount", "money"), Column("reason", "Reason"),
    ], [
        {"date": timezone.localtime(c["changed_at"]).date(), "organisation": c["organisation"],
         "stage": str(Stage(c["to_stage"]).label), "amount": c["amount"],
         "reason": c["lost_reason"] or c["note"], "_url": url_of(c["pledge_id"], c["organisation_id"])}
        for c in losses
    ], empty=f"No losses {period}.", link_column="organisation", total=loss_count)))

    # Month by month -----------------------------------------------------------------
    frame = monthly(criteria)
    month_rows = [
        {"month": row.month.strftime("%b %Y"), "pledged": row.pledged, "paid": row.paid,
         "cumulative_pledged": row.cumulative_pledged, "cumulative_paid": row.cumulative_paid}
        for row in frame.itertuples(index=False)
    ]
    months = [r["month"] for r in month_rows]
    fig = charts.figure([
        charts.bar(months, [r["pledged"] for r in month_rows], name="Pledged", color="#6f42c1"),
        charts.bar(months, [r["paid"] for r in month_rows], name="Paid", color="#198754"),
        charts.line(months, [r["cumulative_pledged"] for r in month_rows], name="Pledged to date", color="#6f42c1"),
        charts.line(months, [r["cumulative_paid"] for r in month_rows], name="Paid to date", color="#198754"),
    ], money_axis="yaxis", barmode="group")
    board.sections.append(Section("Pledged against paid, month by month", Table("monthly", "Pledged and paid by month", [
        Column("month", "Month"), Column("pledged", "Pledged", "money"), Column("paid", "Paid", "money"),
        Column("cumulative_pledged", "Pledged to date", "money"), Column("cumulative_paid", "Paid to date", "money"),
    ], month_rows, empty="No pledge has reached a verbal pledge yet."),
        charts.render(fig, "chart-monthly", label="Pledged against paid by month") if month_rows else "",
        note="Each pledge counts in the month it first became a verbal pledge (or firmer), and in the month it was paid.",
        wide=True,
    ))
    return board


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _pledge_url(pledge) -> str:
    try:
        return reverse("sponsors:pledge_detail", args=[pledge.pk])
    except Exception:  # the pledge pages are built separately
        return reverse("crm:organisation_detail", args=[pledge.organisation_id])


def _pledge_url_maker():
    """(pk, organisation id) -> pledge URL, reversing once (thousands of rows at scale)."""
    try:
        pattern = reverse("sponsors:pledge_detail", args=[987654321])
    except Exception:  # the pledge pages are built separately
        return lambda pk, organisation_id: reverse("crm:organisation_detail", args=[organisation_id])
    return lambda pk, organisation_id: pattern.replace("987654321", str(pk))
