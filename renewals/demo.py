"""The demo world's second event: last year's meetup, so the Renewals tab has a before and after
(a crm.registry DemoStep; seed_demo runs it once, inside its transaction, after the launch exists).

Most of the launch's sponsors gave last year too, some at another tier (upgrades, downgrades); a
few who gave last year have nothing firm for the launch yet (lapsed); one declined last year.
Written through the sponsors' services with past times, so stage history and pledge dates are real.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import Event
from sponsors.models import PLEDGED_STAGES, InKindContribution, Pledge, SponsorshipTier, Stage
from sponsors.services import create_pledge, move_pledge

NAME = "Northern Digital Public Services Network: Meetup {year}"
TIERS = [  # name, price, slots, tickets, stand, speaking
    ("Gold", "3000", 2, 4, True, True),
    ("Silver", "1500", 4, 2, False, False),
    ("Supporter", "500", 10, 1, False, False),
]
#: Last year's tier against the launch's: a step down from the launch is an upgrade now.
MOVE = ["Silver", "Gold", "Silver", "Supporter", "Gold", "Silver", "Supporter", "Silver"]


def run(*, today: datetime.date) -> None:
    launch = Event.objects.order_by("date").filter(date__gte=today).first()
    if launch is None:
        return
    organiser = get_user_model().objects.filter(username="organiser").first()
    event = Event.objects.create(
        name=NAME.format(year=today.year - 1),
        date=today - datetime.timedelta(days=300),
        venue="Leeds Central Library",
        capacity=120,
        sponsorship_target=Decimal("15000"),
        in_kind_target=Decimal("5000"),
    )
    tiers = {
        name: SponsorshipTier.objects.create(
            event=event,
            name=name,
            price=Decimal(price),
            slots=slots,
            ticket_allocation=tickets,
            stand=stand,
            logo=True,
            speaking_slot=speak,
        )
        for name, price, slots, tickets, stand, speak in TIERS
    }
    now = timezone.now()
    launch_pledges = list(Pledge.objects.filter(event=launch).select_related("organisation").order_by("pk"))
    pledged = [p.organisation for p in launch_pledges if p.stage in PLEDGED_STAGES]
    launch_amount = {p.organisation_id: p.amount for p in launch_pledges if p.stage in PLEDGED_STAGES}
    not_yet = [p.organisation for p in launch_pledges if p.stage not in PLEDGED_STAGES]
    # Givers last year: every launch sponsor with a firm pledge but one (new this year), and
    # four who have nothing firm for the launch yet (lapsed); one declined last year.
    givers = pledged[1:] + not_yet[:4]
    for index, organisation in enumerate(givers):
        tier = tiers[MOVE[index % len(MOVE)]]
        started = 520 - index * 9
        pledge = create_pledge(
            user=organiser,
            changed_at=now - datetime.timedelta(days=started),
            organisation=organisation,
            event=event,
            tier=tier,
            # Every third gave the same last year (renewed at the same level); the rest a tier's price.
            amount=launch_amount.get(organisation.pk) if index % 3 == 0 else None,
            stage=Stage.PROSPECT,
            owner=organisation.owner,
        )
        day = started
        for stage in (Stage.APPROACHED, Stage.VERBAL, Stage.CONFIRMED, Stage.INVOICED, Stage.PAID):
            day -= 8 + (index * 5) % 23
            move_pledge(pledge, stage, user=organiser, changed_at=now - datetime.timedelta(days=max(day, 301)))
    if len(not_yet) > 4:
        declined = create_pledge(
            user=organiser,
            changed_at=now - datetime.timedelta(days=480),
            organisation=not_yet[4],
            event=event,
            tier=tiers["Silver"],
            stage=Stage.PROSPECT,
            owner=not_yet[4].owner,
        )
        move_pledge(
            declined,
            Stage.DECLINED,
            user=organiser,
            reason="Spent the year's budget on a trade show.",
            changed_at=now - datetime.timedelta(days=420),
        )
    venue = InKindContribution.objects.filter(event=launch, category="venue").select_related("organisation").first()
    if venue is not None:
        InKindContribution.objects.create(
            organisation=venue.organisation,
            event=event,
            category="venue",
            description="Conference room and foyer for the meetup",
            quantity=1,
            estimated_value=Decimal("2500"),
            valuation_basis="Venue's rate card",
            status=InKindContribution.Status.DELIVERED,
            owner=organiser,
        )
