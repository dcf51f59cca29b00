"""Three past events for `generate_data` (a crm.registry DataStep, so demodata never imports this
app), with realistic renewal: about 60% of each event's sponsors give again to the next, some at a
higher tier, some lower, and the latest past event's sponsors carry on into the next upcoming event
(the one the dashboards open on) at the same rate.

Each past event has about one sponsor per four organisations (5,000 at large: the size the planning
benchmark starts from), a tenth as many who declined or withdrew, and a few in-kind gifts. Pledges
have their stage history (prospect → … → paid) and pledged/paid dates spread over the months before
the event, so the Renewals tab's pace chart has a shape. Same seed, same events.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from crm.models import Event, Organisation
from sponsors.comparisons import giving
from sponsors.models import PLEDGED_STAGES, InKindContribution, Pledge, PledgeStageChange, SponsorshipTier, Stage

BATCH = 2000
RENEW = 0.6
#: Per organisation, one sponsor per this many at each past event.
SPONSOR_SHARE = 4
TIERS = [  # name, price, slots, tickets, stand, logo, speaking
    ("Headline", 20_000, 1, 16, True, True, True),
    ("Gold", 8_000, 3, 8, True, True, True),
    ("Silver", 4_000, 6, 4, True, True, False),
    ("Supporter", 1_000, 20, 2, False, True, False),
    ("Community", 400, 50, 1, False, False, False),
]
#: Close to the upcoming events' mix, so the comparison with the next one is like for like.
TIER_WEIGHTS = [8, 17, 25, 25, 25]
PAST = [  # name, days before today, venue, capacity, target, in-kind target
    ("Regional Digital Forum {year}", 1010, "Cutlers' Hall, Sheffield", 250, 90_000, 20_000),
    ("Regional Digital Forum {year}", 650, "The Deep, Hull", 300, 110_000, 25_000),
    ("Regional Digital Forum {year}", 290, "National Railway Museum, York", 350, 130_000, 30_000),
]
LOST = ["No budget this year", "Chose a different event", "Contact left the company", "Board said no"]
IN_KIND = [
    ("venue", "Breakout rooms"),
    ("catering", "Coffee all day"),
    ("av", "PA and screens"),
    ("printing", "Programmes"),
]


def clear() -> None:
    """Nothing of its own: the events and pledges are cleared with the core and domain data."""


@contextlib.contextmanager
def _timestamps_as_given(*models):
    """bulk_create keeps the created_at/updated_at given (auto_now would stamp now on every row)."""
    saved = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _nearest_price(amount: Decimal) -> Decimal:
    return Decimal(min((t[1] for t in TIERS), key=lambda price: abs(price - amount)))


def _draw(rng: random.Random, pool: list[int], n: int, exclude: set[int]) -> list[int]:
    choices = [pk for pk in pool if pk not in exclude]
    return rng.sample(choices, min(n, len(choices)))


def run(scale: str = "small", seed: int = 0, log=None) -> dict:
    log = log or (lambda message: None)
    started = time.perf_counter()
    rng = random.Random(f"renewals-{seed}")
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    today = timezone.localdate()
    sponsors = list(Organisation.objects.filter(is_sponsor=True).order_by("pk").values_list("pk", "owner_id"))
    if not sponsors:
        return {}
    owner_of = dict(sponsors)
    pool = [pk for pk, _ in sponsors]
    users = list(get_user_model().objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    upcoming = Event.objects.filter(date__gte=today).order_by("date", "pk").first()
    following: dict[int, Decimal] = giving([upcoming.pk])[upcoming.pk] if upcoming is not None else {}
    per_event = max(3, Organisation.objects.count() // SPONSOR_SHARE)

    # Who gave what, built backwards from the next upcoming event: 60% of each event's sponsors
    # are among the next one's; of those most gave the same then, some less (an upgrade since),
    # some more (a downgrade since).
    amounts: list[dict[int, Decimal]] = [{}, {}, {}]
    after = following
    for index in (2, 1, 0):
        n = max(3, round(per_event * (0.85, 0.93, 1.0)[index]))
        renewing = _draw(rng, sorted(after), round(n * RENEW), set())
        fresh = _draw(rng, pool, n - len(renewing), set(after))
        for org_id in renewing:
            factor = rng.choices((Decimal("1"), Decimal("0.5"), Decimal("1.6")), (63, 22, 15))[0]
            then = after[org_id] if factor == 1 else _nearest_price(after[org_id] * factor)
            amounts[index][org_id] = then if then > 0 else _nearest_price(Decimal("400"))
        for org_id in fresh:
            amounts[index][org_id] = Decimal(rng.choices([t[1] for t in TIERS], TIER_WEIGHTS)[0])
        after = amounts[index]

    with transaction.atomic(), _timestamps_as_given(Pledge, InKindContribution):
        events = []
        for name, days, venue, capacity, target, in_kind in PAST:
            date = today - datetime.timedelta(days=days)
            events.append(
                Event(
                    name=name.format(year=date.year),
                    date=date,
                    venue=venue,
                    capacity=capacity,
                    sponsorship_target=Decimal(target),
                    in_kind_target=Decimal(in_kind),
                )
            )
        taken = set(Event.objects.values_list("name", flat=True))
        for event in events:
            while event.name in taken:
                event.name += " (again)"
            taken.add(event.name)
        Event.objects.bulk_create(events)
        tiers = SponsorshipTier.objects.bulk_create(
            [
                SponsorshipTier(
                    event=event,
                    name=name,
                    price=Decimal(price),
                    slots=slots,
                    ticket_allocation=tickets,
                    stand=stand,
                    logo=logo,
                    speaking_slot=speaking,
                )
                for event in events
                for name, price, slots, tickets, stand, logo, speaking in TIERS
            ]
        )
        tiers_of = {e.pk: [t for t in tiers if t.event_id == e.pk] for e in events}

        pledges = []
        for index, event in enumerate(events):
            event_tiers = tiers_of[event.pk]
            for org_id, amount in amounts[index].items():
                tier = min(event_tiers, key=lambda t: (abs(t.price - amount), -t.price))
                final = rng.choices([Stage.PAID, Stage.INVOICED, Stage.CONFIRMED, Stage.VERBAL], [80, 8, 8, 4])[0]
                pledges.append(_pledge(rng, event, tier, amount, org_id, final, owner_of, users, now))
            lost = _draw(rng, pool, max(1, len(amounts[index]) // 10), set(amounts[index]))
            for org_id in lost:
                final = rng.choice([Stage.DECLINED, Stage.WITHDRAWN])
                tier = rng.choice(event_tiers[2:])
                pledges.append(_pledge(rng, event, tier, tier.price, org_id, final, owner_of, users, now))
        Pledge.objects.bulk_create([p for p, _ in pledges], batch_size=BATCH)
        changes = [
            PledgeStageChange(pledge=p, from_stage=a, to_stage=b, changed_by_id=p.owner_id, changed_at=at)
            for p, history in pledges
            for a, b, at in history
        ]
        PledgeStageChange.objects.bulk_create(changes, batch_size=BATCH)

        items = []
        for index, event in enumerate(events):
            for org_id in rng.sample(sorted(amounts[index]), max(1, len(amounts[index]) // 20)):
                category, what = rng.choice(IN_KIND)
                created = datetime.datetime.combine(event.date, datetime.time(10), tzinfo=datetime.UTC)
                created -= datetime.timedelta(days=rng.randint(30, 150))
                items.append(
                    InKindContribution(
                        organisation_id=org_id,
                        event=event,
                        category=category,
                        description=what,
                        quantity=1,
                        estimated_value=Decimal(rng.randrange(4, 60) * 100),
                        valuation_basis="Supplier's rate card",
                        status=InKindContribution.Status.DELIVERED,
                        owner_id=owner_of.get(org_id),
                        created_at=created,
                        updated_at=created,
                    )
                )
        InKindContribution.objects.bulk_create(items, batch_size=BATCH)
    log(f"  {'renewals':<14} {time.perf_counter() - started:6.1f} s")
    return {
        "renewals: past events": len(events),
        "renewals: past pledges": len(pledges),
        "renewals: past stage changes": len(changes),
    }


def _pledge(rng, event, tier, amount, org_id, final, owner_of, users, now):
    """A pledge and its stage history, (from, to, when) each, ending before the event."""
    end = datetime.datetime.combine(event.date, datetime.time(9), tzinfo=datetime.UTC)
    end = min(end, now)
    # Pledged some time in the 8 months before the event, more of them nearer the day.
    pledged = end - datetime.timedelta(days=int(240 * rng.random() ** 1.6) + 3, hours=rng.randint(0, 8))
    created = pledged - datetime.timedelta(days=rng.randint(10, 60))
    if final in (Stage.DECLINED, Stage.WITHDRAWN):
        path = [(Stage.PROSPECT, created), (Stage.APPROACHED, created + datetime.timedelta(days=7)), (final, pledged)]
    else:
        path = [(Stage.PROSPECT, created), (Stage.APPROACHED, created + datetime.timedelta(days=5))]
        order = [Stage.VERBAL, Stage.CONFIRMED, Stage.INVOICED, Stage.PAID]
        at = pledged
        for stage in order[: order.index(final) + 1]:
            path.append((stage, at))
            at = min(at + datetime.timedelta(days=rng.randint(5, 25)), end)
    history, previous = [], ""
    for stage, at in path:
        history.append((previous, stage, at))
        previous = stage
    owner = owner_of.get(org_id) or (rng.choice(users) if users else None)
    pledge = Pledge(
        organisation_id=org_id,
        event=event,
        tier=tier,
        amount=amount,
        stage=final,
        stage_changed_at=path[-1][1],
        pledged_at=next((at for s, at in path if s in PLEDGED_STAGES), None),
        paid_at=next((at for s, at in path if s == Stage.PAID), None),
        expected_date=event.date - datetime.timedelta(days=rng.randint(0, 60)),
        owner_id=owner,
        lost_reason=rng.choice(LOST) if final in (Stage.DECLINED, Stage.WITHDRAWN) else "",
        created_at=created,
        updated_at=path[-1][1],
    )
    return pledge, history
