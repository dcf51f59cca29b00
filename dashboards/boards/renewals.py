"""The renewals dashboard: the chosen event against the one before it (or any other).

Who came back (renewed at the same level, upgraded, downgraded), who lapsed (LYBUNT: gave last
time, nothing yet this time) and who is new, by count and money; the retention rate by count and
by value; the lapsed list to work through; and the pledging pace of both events on one chart.
"Gave" is a pledge at verbal or firmer, or in-kind goods confirmed or delivered
(sponsors.comparisons, which the API and the planning read too). The owner filter is the
organisation's owner, who holds the relationship across events.
"""

from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from crm.links import detail_url
from dashboards import charts
from dashboards.boards.base import PAGE_ROWS, Board, Column, Figure, Section, Table, money
from dashboards.filters import Criteria
from sponsors import comparisons

STATUS_COLOURS = {
    comparisons.RENEWED: "#0d6efd",
    comparisons.UPGRADED: "#198754",
    comparisons.DOWNGRADED: "#fd7e14",
    comparisons.LAPSED: "#dc3545",
    comparisons.NEW: "#6f42c1",
}
#: The pace chart: this event solid, the earlier one dashed.
PACE_COLOURS = ("#0d6efd", "#6c757d")


def organisation_filters(criteria: Criteria) -> Q:
    q = criteria.organisation_q("organisation__")
    if criteria.owner is not None:
        q &= Q(organisation__owner=criteria.owner)
    return q


def build(criteria: Criteria) -> Board:
    event = criteria.event
    if event is None:
        board = Board("renewals", "Renewals")
        board.sections.append(
            Section("Choose an event", note="No event yet: choose an event to compare with an earlier one.", wide=True)
        )
        return board
    previous = criteria.compare if criteria.compare is not None else comparisons.previous_event(event)
    if previous is not None and previous.pk == event.pk:
        previous = None
    title = f"Renewals — {event.name}" + (f" against {previous.name}" if previous else "")
    board = Board("renewals", title)
    if previous is None:
        board.sections.append(
            Section(
                "Nothing to compare with",
                note=f"No event comes before {event.name}: choose one under “Compared with”.",
                wide=True,
            )
        )
        return board
    org_q = organisation_filters(criteria)
    limit = None if criteria.extra.get("all_rows") else PAGE_ROWS
    comparison = comparisons.compare_events(event, previous, org_q, lapsed=limit)  # the lapsed list's rows with it
    totals = comparison.by_status()
    by = {t.status: t for t in totals}
    retained = sum(by[s].count for s in comparisons.RETAINED)
    by_count, by_value = comparison.retention_by_count, comparison.retention_by_value
    board.figures = [
        Figure(f"Gave to {previous.name}", comparison.gave_before, kind="int", key="gave_before"),
        Figure("Came back", retained, kind="int", key="retained", note=f"£{_money_text(_after(by))} this time"),
        Figure(
            "Retention by count",
            by_count if by_count is not None else Decimal("0"),
            kind="percent",
            key="retention_count",
            note="of last time's sponsors gave again",
        ),
        Figure(
            "Retention by value",
            by_value if by_value is not None else Decimal("0"),
            kind="percent",
            key="retention_value",
            note="what they give now against then",
        ),
        Figure(
            "Lapsed",
            by[comparisons.LAPSED].count,
            kind="int",
            key="lapsed",
            note=f"£{_money_text(by[comparisons.LAPSED].before)} last time",
        ),
        Figure(
            "New",
            by[comparisons.NEW].count,
            kind="int",
            key="new",
            note=f"£{_money_text(by[comparisons.NEW].after)}",
        ),
    ]
    board.context.update(comparison=comparison, previous=previous)

    # Renewed, upgraded, downgraded, lapsed, new -----------------------------------------
    rows = [
        {
            "status": t.label,
            "count": t.count,
            "before": money(t.before),
            "after": money(t.after),
            "change": money(t.after - t.before),
        }
        for t in totals
    ]
    footer = {
        "status": "Everyone who gave to either",
        "count": sum(t.count for t in totals),
        "before": money(sum((t.before for t in totals), Decimal("0"))),
        "after": money(sum((t.after for t in totals), Decimal("0"))),
    }
    footer["change"] = footer["after"] - footer["before"]
    traces = [
        charts.bar(
            [short_label(previous), short_label(event)],
            [money(t.before), money(t.after)],
            name=t.label,
            color=STATUS_COLOURS[t.status],
        )
        for t in totals
    ]
    board.sections.append(
        Section(
            "Who came back",
            Table(
                "summary",
                "Who came back",
                [
                    Column("status", "Sponsors"),
                    Column("count", "Organisations", "int"),
                    Column("before", previous.name, "money"),
                    Column("after", event.name, "money"),
                    Column("change", "Change", "money"),
                ],
                rows,
                footer=footer,
            ),
            charts.render(
                charts.figure(traces, money_axis="yaxis", barmode="stack"),
                "chart-renewals",
                label=f"Money from renewed, upgraded, downgraded, lapsed and new sponsors, {previous.name} and {event.name}",
            )
            if any(t.count for t in totals)
            else "",
            note="Money pledged (verbal or firmer) plus in kind given (confirmed or delivered).",
        )
    )

    # Pace: pledged by N days before each event --------------------------------------------
    pace = comparisons.pledge_pace([event, previous], org_q)
    pace_rows = _pace_rows(pace, event, previous)
    pace_traces = [
        charts.line(
            [-d for d, _ in pace.get(e.pk, [])],
            [money(v) for _, v in pace.get(e.pk, [])],
            name=f"{which} ({short_label(e)})",
            color=colour,
        )
        for e, which, colour in zip((event, previous), ("This event", "Compared with"), PACE_COLOURS)
        if pace.get(e.pk)
    ]
    for trace, dash in zip(pace_traces, ("solid", "dash")):
        trace["line"].update(dash=dash, shape="hv")
    fig = charts.figure(
        pace_traces,
        money_axis="yaxis",
        xaxis={"title": {"text": "Days before the event"}, "zeroline": True},
    )
    board.sections.append(
        Section(
            "Pledged by this many days before the event",
            Table(
                "pace",
                "Pledged by this many days before the event",
                [
                    Column("days", "Days before", "int"),
                    Column("now", event.name, "money"),
                    Column("then", previous.name, "money"),
                ],
                pace_rows,
                empty="Neither event has pledges with a pledge date.",
            ),
            charts.render(
                fig, "chart-renewal-pace", label=f"Money pledged by days before {event.name} and {previous.name}"
            )
            if pace_traces
            else "",
            note="Money pledged (verbal or firmer) by each day before the event, both events on one axis.",
        )
    )

    # The lapsed list ---------------------------------------------------------------------
    org_url = detail_url("crm:organisation_detail")
    lapsed_total = by[comparisons.LAPSED].count
    lapsed = comparisons.lapsed_details(comparison, limit=limit)
    board.sections.append(
        Section(
            f"Lapsed: gave to {previous.name}, nothing yet to {event.name}",
            Table(
                "lapsed",
                "Lapsed sponsors",
                [
                    Column("organisation", "Organisation"),
                    Column("last_amount", "Last time", "money"),
                    Column("owner", "Owner"),
                    Column("last_contact", "Last contact", "date"),
                    Column("stage_now", "This time"),
                ],
                [
                    {
                        "organisation": r.organisation,
                        "last_amount": money(r.last_amount),
                        "owner": r.owner,
                        "last_contact": timezone.localtime(r.last_contact).date() if r.last_contact else None,
                        "stage_now": r.stage_now or "Not asked yet",
                        "_url": org_url(r.organisation_id),
                    }
                    for r in lapsed
                ],
                empty="Everyone who gave last time has given again.",
                link_column="organisation",
                total=lapsed_total if lapsed_total > len(lapsed) else None,
            ),
            note="Largest last gift first. The CSV has every lapsed sponsor.",
            wide=True,
        )
    )
    return board


def short_label(event) -> str:
    """An event on a chart, where names (often sharing a long prefix) do not fit: its month."""
    return f"{event.date:%b %Y}" if event.date else event.name[:20]


def _after(by) -> Decimal:
    return money(sum((by[s].after for s in comparisons.RETAINED), Decimal("0")))


def _money_text(value) -> str:
    return f"{money(value):,.0f}"


def _pace_rows(pace: dict, event, previous) -> list[dict]:
    """One row per day either event gained pledges: the running totals of both, days furthest first."""
    now, then = dict(pace.get(event.pk, [])), dict(pace.get(previous.pk, []))
    rows, running_now, running_then = [], None, None
    for days in sorted(now.keys() | then.keys(), reverse=True):
        running_now = now.get(days, running_now)
        running_then = then.get(days, running_then)
        rows.append({"days": days, "now": running_now, "then": running_then})
    return rows
