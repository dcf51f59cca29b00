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

from django.db.models import CharField, Max, Q, Sum
from django.db.models.functions import Cast, Substr

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


def classify(before: dict[int, Decimal], after: dict[int, Decimal]) -> list[Change]:
    """Each organisation that gave to either event, classed: gave both times at the same value
    (renewed), more (upgraded), less (downgraded); only before (lapsed); only after (new)."""
    changes = []
    for org_id in before.keys() | after.keys():
        was, now = before.get(org_id), after.get(org_id)
        if was is None:
            status = NEW
        elif now is None:
            status = LAPSED
        elif now > was:
            status = UPGRADED
        elif now < was:
            status = DOWNGRADED
        else:
            status = RENEWED
        changes.append(Change(org_id, was if was is not None else ZERO, now if now is not None else ZERO, status))
    return changes


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
    """An event against an earlier one."""

    event: Event
    previous: Event | None
    changes: list[Change] = field(default_factory=list)

    def by_status(self) -> list[StatusTotal]:
        counts = dict.fromkeys(STATUSES, 0)
        before = dict.fromkeys(STATUSES, ZERO)
        after = dict.fromkeys(STATUSES, ZERO)
        for change in self.changes:
            counts[change.status] += 1
            before[change.status] += change.before
            after[change.status] += change.after
        return [StatusTotal(s, counts[s], before[s], after[s]) for s in STATUSES]

    @property
    def gave_before(self) -> int:
        return sum(1 for c in self.changes if c.status != NEW)

    @property
    def given_before(self) -> Decimal:
        return sum((c.before for c in self.changes), ZERO)

    @property
    def retention_by_count(self) -> Decimal | None:
        """Last time's sponsors who gave again, as a share of last time's sponsors."""
        if not self.gave_before:
            return None
        retained = sum(1 for c in self.changes if c.status in RETAINED)
        return Decimal(retained) / Decimal(self.gave_before)

    @property
    def retention_by_value(self) -> Decimal | None:
        """What last time's sponsors give this time, as a share of what they gave last time
        (over 100% when upgrades outweigh downgrades and lapses)."""
        before = self.given_before
        if not before:
            return None
        return sum((c.after for c in self.changes if c.status in RETAINED), ZERO) / before

    def lapsed(self) -> list[Change]:
        """LYBUNT: gave last time, nothing yet this time; largest last gift first."""
        return sorted((c for c in self.changes if c.status == LAPSED), key=lambda c: (-c.before, c.organisation_id))


def compare_events(event: Event, previous: Event | None, organisation_q: Q = EVERYONE) -> Comparison:
    """The comparison of `event` with `previous` (two queries; none without a previous event)."""
    if previous is None or previous.pk == event.pk:
        return Comparison(event, previous)
    given = giving([event.pk, previous.pk], organisation_q)
    return Comparison(event, previous, classify(given[previous.pk], given[event.pk]))


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
    time, largest last gift first (three queries; `limit` keeps the first rows only)."""
    from crm.models import Organisation

    lapsed = comparison.lapsed()
    if limit is not None:
        lapsed = lapsed[:limit]
    ids = [c.organisation_id for c in lapsed]
    if not ids:
        return []
    orgs = {
        pk: (name, username, first, last)
        for pk, name, username, first, last in Organisation.objects.filter(pk__in=ids).values_list(
            "pk", "name", "owner__username", "owner__first_name", "owner__last_name"
        )
    }
    contacted = dict(
        Interaction.objects.filter(organisation_id__in=ids)
        .order_by()
        .values_list("organisation_id")
        .annotate(latest=Max("occurred_at"))
    )
    stage_now: dict[int, str] = {}
    order = {s: i for i, s in enumerate(Stage.values)}
    for org_id, stage in Pledge.objects.filter(event=comparison.event, organisation_id__in=ids).values_list(
        "organisation_id", "stage"
    ):
        if org_id not in stage_now or order[stage] < order[stage_now[org_id]]:
            stage_now[org_id] = stage
    rows = []
    for change in lapsed:
        name, username, first, last = orgs.get(change.organisation_id, ("", "", "", ""))
        owner = f"{first or ''} {last or ''}".strip() or username or ""
        stage_code = stage_now.get(change.organisation_id)
        rows.append(
            LapsedRow(
                change.organisation_id,
                name,
                change.before,
                owner,
                contacted.get(change.organisation_id),
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
    # The day as the first ten characters of the UTC time, which both databases write natively:
    # TruncDate on SQLite calls back into Python for every row (236 of 394 ms of the tab at large).
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
    for event_id, day_text, total in rows:
        days_before = (dated[event_id] - datetime.date.fromisoformat(day_text)).days
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
