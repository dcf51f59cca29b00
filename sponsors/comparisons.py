"""Reads comparing one event's sponsors with another's: who gave, who came back, for how much.

An organisation *gave* to an event when it pledged (verbal pledge or firmer) or gave in kind
(confirmed or delivered); what it gave is the sum of those pledges plus the estimated value of
those goods. The renewal board, the API's /events/{id}/renewals/, the organisation page's
giving table and the planning of the next event all read from here, so they agree.
Every function costs a fixed number of queries whatever the number of sponsors.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import connection
from django.db.models import Case, CharField, F, Func, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Substr, TruncDate

from crm.models import Event, Interaction
from sponsors.models import PLEDGED_STAGES, InKindContribution, Pledge, Stage

ZERO = Decimal("0.00")
GIVEN_IN_KIND = (InKindContribution.Status.CONFIRMED, InKindContribution.Status.DELIVERED)
#: The classes of a sponsor between two events, in the order the board shows them.
RENEWED, UPGRADED, DOWNGRADED, LAPSED, NEW = "renewed", "upgraded", "downgraded", "lapsed", "new"
STATUSES = (RENEWED, UPGRADED, DOWNGRADED, LAPSED, NEW)
STATUS_LABELS = {
    RENEWED: "Renewed at the same level",
    UPGRADED: "Upgraded",
    DOWNGRADED: "Downgraded",
    LAPSED: "Lapsed (gave last time, nothing yet)",
    NEW: "New",
}
RETAINED = (RENEWED, UPGRADED, DOWNGRADED)
#: No filter on the organisations.
EVERYONE = Q()


def previous_event(event: Event) -> Event | None:
    """The event before this one by date (None for the first, or an undated event)."""
    if event is None or event.date is None:
        return None
    return Event.objects.filter(date__lt=event.date).order_by("-date", "-pk").first()


def giving(event_ids, organisation_q: Q = EVERYONE) -> dict[int, dict[int, Decimal]]:
    """{event id: {organisation id: money pledged + in-kind value given}}, two grouped queries.

    `organisation_q` filters through the records' `organisation__` (role, sector, tag, owner).
    """
    out: dict[int, dict[int, Decimal]] = {pk: {} for pk in event_ids}
    pledged = (
        Pledge.objects.filter(organisation_q, event_id__in=event_ids, stage__in=PLEDGED_STAGES)
        .order_by()
        .values_list("event_id", "organisation_id")
        .annotate(total=Sum("amount"))
    )
    in_kind = (
        InKindContribution.objects.filter(organisation_q, event_id__in=event_ids, status__in=GIVEN_IN_KIND)
        .order_by()
        .values_list("event_id", "organisation_id")
        .annotate(total=Sum("estimated_value"))
    )
    for rows in (pledged, in_kind):
        for event_id, org_id, total in rows:
            given = out[event_id]
            given[org_id] = given.get(org_id, ZERO) + (total or ZERO)
    return out


@dataclass(frozen=True)
class Change:
    """One organisation between two events: what it gave before and after, and its class."""

    organisation_id: int
    before: Decimal
    after: Decimal
    status: str

    @property
    def difference(self) -> Decimal:
        return self.after - self.before


#: Each organisation that gave to either event: what it gave each in pennies (exact on SQLite
#: too, whose sums are floats; the sum is NULL when it gave nothing to that event, 0 for a gift
#: of nothing) and its class. The gifts' SQL comes from the ORM (with the organisation filters)
#: and is spliced in as {gifts}; both databases run the rest as written.
PER_ORGANISATION_SQL = """
WITH gifts AS ({gifts}),
per_org AS (
    SELECT org,
           SUM(CASE WHEN ev = %s THEN CAST(ROUND(amt * 100) AS BIGINT) END) AS then_sum,
           SUM(CASE WHEN ev = %s THEN CAST(ROUND(amt * 100) AS BIGINT) END) AS now_sum
    FROM gifts
    GROUP BY org
),
classed AS (
    SELECT org, COALESCE(then_sum, 0) AS then_p, COALESCE(now_sum, 0) AS now_p,
           CASE WHEN then_sum IS NULL THEN %s
                WHEN now_sum IS NULL THEN %s
                WHEN now_sum > then_sum THEN %s
                WHEN now_sum < then_sum THEN %s
                ELSE %s END AS status
    FROM per_org
)
"""


def _pennies(value) -> Decimal:
    return Decimal(int(value or 0)).scaleb(-2)


def _classed_sql(event: Event, previous: Event, organisation_q: Q) -> tuple[str, list]:
    """The WITH clause naming `classed` (org, then_p, now_p, status: pennies) and its params:
    every organisation that gave to either event, classed: gave both times at the same value
    (renewed), more (upgraded), less (downgraded); only before (lapsed); only after (new)."""
    ids = [event.pk, previous.pk]
    pledged = (
        Pledge.objects.filter(organisation_q, event_id__in=ids, stage__in=PLEDGED_STAGES)
        .order_by()
        .values(org=F("organisation_id"), ev=F("event_id"), amt=F("amount"))
    )
    in_kind = (
        InKindContribution.objects.filter(organisation_q, event_id__in=ids, status__in=GIVEN_IN_KIND)
        .order_by()
        .values(org=F("organisation_id"), ev=F("event_id"), amt=F("estimated_value"))
    )
    pledged_sql, pledged_params = pledged.query.sql_with_params()
    in_kind_sql, in_kind_params = in_kind.query.sql_with_params()
    sql = PER_ORGANISATION_SQL.format(gifts=f"{pledged_sql} UNION ALL {in_kind_sql}")
    params = [*pledged_params, *in_kind_params, previous.pk, event.pk]
    return sql, [*params, NEW, LAPSED, UPGRADED, DOWNGRADED, RENEWED]


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True)
class StatusTotal:
    status: str
    count: int
    before: Decimal
    after: Decimal

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class Comparison:
    """An event against an earlier one: the totals of each class, counted and summed by the
    database (one query), so no organisation's row comes to Python for them."""

    event: Event
    previous: Event | None
    organisation_q: Q = EVERYONE
    totals: dict[str, StatusTotal] = field(default_factory=dict)
    #: (how many were asked for, None for all; the first lapsed organisations) read with the totals.
    lapsed_read: tuple[int | None, list[Change]] | None = None

    def by_status(self) -> list[StatusTotal]:
        return [self.totals.get(s) or StatusTotal(s, 0, ZERO, ZERO) for s in STATUSES]

    @property
    def gave_before(self) -> int:
        return sum(t.count for t in self.by_status() if t.status != NEW)

    @property
    def given_before(self) -> Decimal:
        return sum((t.before for t in self.by_status()), ZERO)

    @property
    def retention_by_count(self) -> Decimal | None:
        """Last time's sponsors who gave again, as a share of last time's sponsors."""
        if not self.gave_before:
            return None
        retained = sum(t.count for t in self.by_status() if t.status in RETAINED)
        return Decimal(retained) / Decimal(self.gave_before)

    @property
    def retention_by_value(self) -> Decimal | None:
        """What last time's sponsors give this time, as a share of what they gave last time
        (over 100% when upgrades outweigh downgrades and lapses)."""
        before = self.given_before
        if not before:
            return None
        return sum((t.after for t in self.by_status() if t.status in RETAINED), ZERO) / before

    @cached_property
    def changes(self) -> list[Change]:
        """Every organisation that gave to either event, classed (one query)."""
        if self.previous is None or not self.totals:  # no one gave to either
            return []
        sql, params = _classed_sql(self.event, self.previous, self.organisation_q)
        rows = _rows(f"{sql} SELECT org, then_p, now_p, status FROM classed ORDER BY org", params)
        return [Change(org, _pennies(before), _pennies(after), status) for org, before, after, status in rows]

    def lapsed(self, limit: int | None = None) -> list[Change]:
        """LYBUNT: gave last time, nothing yet this time; largest last gift first, `limit` at
        most. Read with the totals when compare_events was asked for as many; else one query."""
        if self.previous is None or LAPSED not in self.totals:
            return []
        read_limit, read = self.lapsed_read if self.lapsed_read is not None else (0, [])
        if read_limit is None or (limit is not None and limit <= read_limit):
            return read[:limit] if limit is not None else read
        sql, params = _classed_sql(self.event, self.previous, self.organisation_q)
        sql += " SELECT org, then_p FROM classed WHERE status = %s ORDER BY then_p DESC, org LIMIT %s"
        rows = _rows(sql, [*params, LAPSED, _limit(limit)])
        return [Change(org, _pennies(before), ZERO, LAPSED) for org, before in rows]


def _limit(limit: int | None) -> int:
    """A LIMIT both databases read as "no limit" for None (PostgreSQL refuses SQLite's -1)."""
    return limit if limit is not None else 2**62


def compare_events(
    event: Event, previous: Event | None, organisation_q: Q = EVERYONE, *, lapsed: int | None = 0
) -> Comparison:
    """The comparison of `event` with `previous`: one query for the totals and, with them, the
    first `lapsed` lapsed organisations (None: all of them); none without a previous event."""
    if previous is None or previous.pk == event.pk:
        return Comparison(event, previous)
    sql, params = _classed_sql(event, previous, organisation_q)
    # The totals of each class, then the lapsed: one pass over the gifts (both databases keep a
    # WITH that is read twice, rather than working it out twice).
    sql += (
        " SELECT status, COUNT(*), SUM(then_p), SUM(now_p) FROM classed GROUP BY status"
        " UNION ALL SELECT * FROM (SELECT %s, org, then_p, 0 FROM classed WHERE status = %s"
        " ORDER BY then_p DESC, org LIMIT %s) AS lapsed_first"
    )
    totals, lapsed_rows = {}, []
    for status, count, before, after in _rows(sql, [*params, "", LAPSED, _limit(lapsed)]):
        if status:
            totals[status] = StatusTotal(status, count, _pennies(before), _pennies(after))
        else:
            lapsed_rows.append(Change(count, _pennies(before), ZERO, LAPSED))
    lapsed_rows.sort(key=lambda c: (-c.before, c.organisation_id))  # a UNION promises no order
    return Comparison(event, previous, organisation_q, totals, (lapsed, lapsed_rows))


@dataclass(frozen=True)
class LapsedRow:
    organisation_id: int
    organisation: str
    last_amount: Decimal
    owner: str
    last_contact: datetime.datetime | None
    stage_now: str  # the open pledge for this event, if any ("" when none)


def lapsed_details(comparison: Comparison, *, limit: int | None = None) -> list[LapsedRow]:
    """The lapsed sponsors with their name, owner, last contact and where they stand this
    time, largest last gift first (one query after the comparison's; `limit` keeps the first
    rows only). Where they stand: the earliest stage (in Stage's order) of their pledges to
    this event, none of which is a pledge (else they would not have lapsed)."""
    from crm.models import Organisation

    lapsed = comparison.lapsed(limit)
    ids = [c.organisation_id for c in lapsed]
    if not ids:
        return []
    rank = Case(*(When(stage=s, then=Value(i)) for i, s in enumerate(Stage.values)), output_field=IntegerField())
    stage_now = (
        Pledge.objects.filter(event=comparison.event, organisation=OuterRef("pk"))
        .annotate(rank=rank)
        .order_by("rank")
        .values("stage")[:1]
    )
    last_contact = (
        Interaction.objects.filter(organisation=OuterRef("pk")).order_by("-occurred_at").values("occurred_at")[:1]
    )
    found = {
        pk: rest
        for pk, *rest in Organisation.objects.filter(pk__in=ids)
        .order_by()
        .annotate(last_contact=Subquery(last_contact), stage_now=Subquery(stage_now))
        .values_list(
            "pk", "name", "owner__username", "owner__first_name", "owner__last_name", "last_contact", "stage_now"
        )
    }
    rows = []
    for change in lapsed:
        name, username, first, last, contacted, stage_code = found.get(change.organisation_id, ("",) * 4 + (None,) * 2)
        owner = f"{first or ''} {last or ''}".strip() or username or ""
        rows.append(
            LapsedRow(
                change.organisation_id,
                name,
                change.before,
                owner,
                contacted,
                Stage(stage_code).label if stage_code else "",
            )
        )
    return rows


def pledge_pace(events: list[Event], organisation_q: Q = EVERYONE) -> dict[int, list[tuple[int, Decimal]]]:
    """For each dated event, money pledged (verbal or firmer, still standing) by N days before it:
    [(days before, cumulative amount)], furthest first. One query for all the events."""
    dated = {e.pk: e.date for e in events if e is not None and e.date is not None}
    out: dict[int, list[tuple[int, Decimal]]] = {pk: [] for pk in dated}
    if not dated:
        return out
    # The UTC day. On SQLite the first ten characters of the stored time: TruncDate there calls
    # back into Python for every row (236 of 394 ms of the tab at large). On PostgreSQL the date
    # at UTC: formatting each time as text cost 12 ms of the query's 15 at large, the date 3.
    day: Func
    if connection.vendor == "postgresql":
        day = TruncDate("pledged_at", tzinfo=datetime.UTC)
    else:
        day = Substr(Cast("pledged_at", CharField()), 1, 10)
    rows = (
        Pledge.objects.filter(
            organisation_q, event_id__in=list(dated), stage__in=PLEDGED_STAGES, pledged_at__isnull=False
        )
        .annotate(day=day)
        .order_by()
        .values_list("event_id", "day")
        .annotate(total=Sum("amount"))
    )
    by_event: dict[int, dict[int, Decimal]] = {pk: {} for pk in dated}
    for event_id, day_value, total in rows:
        if isinstance(day_value, str):
            day_value = datetime.date.fromisoformat(day_value)
        days_before = (dated[event_id] - day_value).days
        by_event[event_id][days_before] = by_event[event_id].get(days_before, ZERO) + (total or ZERO)
    for pk, days in by_event.items():
        running = ZERO
        for days_before in sorted(days, reverse=True):
            running += days[days_before]
            out[pk].append((days_before, running))
    return out


@dataclass(frozen=True)
class GivingRow:
    """What an organisation gave one event."""

    event: Event
    tiers: str
    pledged: Decimal
    paid: Decimal
    in_kind: Decimal
    stage: str  # the furthest stage of its pledges, in words


def organisation_giving(organisation) -> list[GivingRow]:
    """An organisation's giving across events, latest event first: tier, money pledged (verbal
    or firmer), paid, in kind given. Reads the organisation page's memoised pledges and in-kind
    (sponsors.record_pages), so the page pays nothing extra when the sponsorship panel shows."""
    from sponsors.record_pages import organisation_sponsorship

    data = organisation_sponsorship(organisation)
    events: dict[int, dict] = {}
    order = {s: i for i, s in enumerate(Stage.values)}

    def entry(event):
        return events.setdefault(
            event.pk, {"event": event, "tiers": [], "pledged": ZERO, "paid": ZERO, "in_kind": ZERO, "stage": None}
        )

    for pledge in data["pledges"]:
        row = entry(pledge.event)
        if pledge.stage in PLEDGED_STAGES:
            row["pledged"] += pledge.amount
            if pledge.tier is not None and pledge.tier.name not in row["tiers"]:
                row["tiers"].append(pledge.tier.name)
        if pledge.stage == Stage.PAID:
            row["paid"] += pledge.amount
        if row["stage"] is None or _furthest(pledge.stage, row["stage"], order):
            row["stage"] = pledge.stage
    for item in data["in_kind"]:
        row = entry(item.event)
        if item.status in GIVEN_IN_KIND:
            row["in_kind"] += item.estimated_value
    rows = [
        GivingRow(
            r["event"],
            ", ".join(r["tiers"]),
            r["pledged"],
            r["paid"],
            r["in_kind"],
            Stage(r["stage"]).label if r["stage"] else "",
        )
        for r in events.values()
    ]
    return sorted(rows, key=lambda r: (r.event.date or datetime.date.min, r.event.pk), reverse=True)


def _furthest(stage: str, than: str, order: dict) -> bool:
    """Whether `stage` is further along than `than` (closed stages count below any open one)."""
    rank = {**order, Stage.DECLINED: -2, Stage.WITHDRAWN: -1}
    return rank[stage] > rank[than]
