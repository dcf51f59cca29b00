"""Planning the next event: the event, its tiers copied, last time's sponsors asked again.

No records of its own (DESIGN.md): the new event, tiers, pledges and follow-ups are the core's
and sponsors' records, written through their services (the bulk ones keep the one-by-one rules
and history: stage changes, benefit rows, history rows).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import Event, FollowUp
from crm.services.events import save_event
from crm.services.followups import create_followups
from renewals.selectors import Candidate, carry_forward
from sponsors.models import SponsorshipTier, Stage
from sponsors.services import create_pledges

#: Ask every sponsor by this many days before the event, when there is time for it.
ASK_BY_DAYS_BEFORE = 28
TIER_FIELDS = ("name", "price", "slots", "ticket_allocation", "stand", "logo", "speaking_slot", "other_benefits")


@dataclass
class TierPlan:
    """A tier of the new event: a copy of `source_id` (None: a new tier), perhaps edited."""

    name: str
    price: Decimal
    slots: int = 1
    ticket_allocation: int = 0
    stand: bool = False
    logo: bool = False
    speaking_slot: bool = False
    other_benefits: str = ""
    source_id: int | None = None

    @classmethod
    def copy_of(cls, tier: SponsorshipTier) -> TierPlan:
        return cls(**{name: getattr(tier, name) for name in TIER_FIELDS}, source_id=tier.pk)


def tier_plans(event: Event) -> list[TierPlan]:
    """The event's tiers as they would be copied (what the form starts from)."""
    return [TierPlan.copy_of(t) for t in SponsorshipTier.objects.filter(event=event).order_by("-price", "name")]


def working_days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Monday to Friday from start to end inclusive."""
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def ask_window(event_date: datetime.date, today: datetime.date) -> list[datetime.date]:
    """The working days to ask on: from the next working day until four weeks before the event,
    or until the day before it when the event is sooner than that."""
    start = today + datetime.timedelta(days=1)
    end = event_date - datetime.timedelta(days=ASK_BY_DAYS_BEFORE)
    if end < start + datetime.timedelta(days=13):  # under two weeks to ask in: use the time there is
        end = event_date - datetime.timedelta(days=1)
    days = working_days(start, end)
    return days or [max(start, end)]


def spread_due_dates(assignees: list, days: list[datetime.date]) -> list[datetime.date]:
    """A due date for each item (assignees[i] is who does it), spread so that each person has
    as few on one day as the window allows: each person's items in turn over the whole window,
    evenly, in the order given (the largest sponsors first, so they are asked first)."""
    positions: dict = defaultdict(list)
    for index, assignee in enumerate(assignees):
        positions[assignee].append(index)
    dates: list[datetime.date] = [days[0]] * len(assignees)
    for indexes in positions.values():
        n = len(indexes)
        per_day = math.ceil(n / len(days))
        slots = math.ceil(n / per_day)  # days used, spread over the window
        for rank, index in enumerate(indexes):
            slot = rank // per_day
            dates[index] = days[(slot * len(days)) // slots]
    return dates


def max_per_day(assignees: list, dates: list[datetime.date]) -> int:
    """The most items one person has on one day (what spreading keeps low)."""
    counts: dict = defaultdict(int)
    for assignee, day in zip(assignees, dates):
        counts[(assignee, day)] += 1
    return max(counts.values(), default=0)


def _clean(source: Event, *, name: str, date, tiers: list[TierPlan], today: datetime.date) -> str:
    errors: dict[str, list[str]] = defaultdict(list)
    name = (name or "").strip()
    if not name:
        errors["name"].append("Give the new event a name.")
    elif Event.objects.filter(name__iexact=name).exists():
        errors["name"].append(f"An event called “{name}” already exists: choose another name.")
    if not isinstance(date, datetime.date):
        errors["date"].append("Give the new event's date (YYYY-MM-DD).")
    elif date <= today:
        errors["date"].append(f"The new event's date must be in the future (after {today:%-d %B %Y}).")
    elif source.date and date <= source.date:
        errors["date"].append(f"The next event must come after {source.name} ({source.date:%-d %B %Y}).")
    seen = set()
    for tier in tiers:
        key = (tier.name or "").strip().lower()
        if not key:
            errors["tiers"].append("Every tier needs a name.")
        elif key in seen:
            errors["tiers"].append(f"Two tiers are called “{tier.name}”: tier names must differ.")
        seen.add(key)
        if tier.price is None or tier.price < 0:
            errors["tiers"].append(f"The price of “{tier.name}” must be £0 or more.")
    if errors:
        raise ValidationError(dict(errors))
    return name


@transaction.atomic
def plan_next_event(
    event: Event,
    *,
    name: str,
    date: datetime.date,
    venue: str | None = None,
    capacity: int | None = None,
    sponsorship_target: Decimal | None = None,
    in_kind_target: Decimal | None = None,
    tiers: list[TierPlan] | None = None,
    include_lapsed_ids: Iterable[int] = (),
    user=None,
    today: datetime.date | None = None,
) -> Event:
    """Create the event after `event` and start its pipeline from `event`'s sponsors.

    The new event takes the venue, capacity and targets given (else `event`'s), and the tiers
    given (else `event`'s, copied). Each organisation that pledged (verbal or firmer) or gave in
    kind to `event` gets a pledge at Prospect with last time's tier (its copy) and amount, the
    same owner, and a follow-up to ask, due on a working day before the event, spread so nobody
    has a pile on one day. Declined and withdrawn sponsors are added only when chosen
    (`include_lapsed_ids`). All or nothing.
    """
    today = today or timezone.localdate()
    tiers = tier_plans(event) if tiers is None else list(tiers)
    name = _clean(event, name=name, date=date, tiers=tiers, today=today)
    plan = carry_forward(event)
    lapsed_by_id = {c.organisation_id: c for c in plan.lapsed}
    chosen_ids = list(dict.fromkeys(int(pk) for pk in include_lapsed_ids))
    strangers = [pk for pk in chosen_ids if pk not in lapsed_by_id]
    if strangers:
        raise ValidationError(
            {"include_lapsed_ids": f"Only sponsors who declined or withdrew from {event.name} can be added here."}
        )
    asked: list[Candidate] = plan.carried + [lapsed_by_id[pk] for pk in chosen_ids]
    if not asked:
        raise ValidationError(
            f"{event.name} has no sponsors to carry forward: nobody pledged (verbal or firmer) or gave in kind"
            + (", and no declined or withdrawn sponsor was chosen." if plan.lapsed else ".")
            + " Create the event from the Events page instead."
        )

    new_event = save_event(
        Event(
            name=name,
            date=date,
            venue=event.venue if venue is None else venue,
            capacity=event.capacity if capacity is None else capacity,
            sponsorship_target=event.sponsorship_target if sponsorship_target is None else sponsorship_target,
            in_kind_target=event.in_kind_target if in_kind_target is None else in_kind_target,
        ),
        user=user,
    )
    copies: dict[int, int] = {}
    for plan_tier in tiers:
        tier = SponsorshipTier(event=new_event, **{f: getattr(plan_tier, f) for f in TIER_FIELDS})
        tier.name = tier.name.strip()
        tier.full_clean()
        tier.save()
        if plan_tier.source_id:
            copies[plan_tier.source_id] = tier.pk

    user_id = getattr(user, "pk", None)
    pledges = create_pledges(
        [
            {
                "organisation_id": c.organisation_id,
                "event_id": new_event.pk,
                "tier_id": copies.get(c.tier_id) if c.tier_id else None,
                "amount": c.amount,
                "stage": Stage.PROSPECT,
                "owner_id": c.owner_id,
                "expected_date": date,
                "notes": f"Carried forward from {event.name}: {c.last_time}.",
            }
            for c in asked
        ],
        user=user,
    )
    assignees = [c.owner_id or user_id for c in asked]
    dates = spread_due_dates(assignees, ask_window(date, today))
    create_followups(
        [
            FollowUp(
                title=f"Ask {c.organisation} to sponsor {new_event.name}"[:300],
                notes=f"Last time ({event.name}): {c.last_time}.",
                due_date=due,
                assignee_id=assignee,
                organisation_id=c.organisation_id,
                pledge=pledge,
            )
            for c, pledge, assignee, due in zip(asked, pledges, assignees, dates)
        ],
        user=user,
    )
    return new_event
