"""A last event with every kind of sponsor, for the planning and comparison tests."""

import datetime
from decimal import Decimal

import pytest

from crm.models import Event, Organisation
from sponsors.models import InKindContribution, SponsorshipTier, Stage
from sponsors.services import create_pledge, move_pledge

TODAY = datetime.date(2027, 3, 1)


def org(name, owner=None):
    o = Organisation(name=name, owner=owner)
    o.set_roles(["sponsor"])
    o.save()
    return o


def pledge(organisation, event, stage, amount, *, tier=None, owner=None, user=None):
    """A pledge moved to `stage` through the services (closed stages with a reason)."""
    p = create_pledge(user=user, organisation=organisation, event=event, tier=tier, amount=Decimal(amount), owner=owner)
    if stage != Stage.PROSPECT:
        move_pledge(p, stage, user=user, reason="No budget." if stage in (Stage.DECLINED, Stage.WITHDRAWN) else "")
    return p


@pytest.fixture
def last_event(db, organiser, committee):
    """Last year's event: two tiers; Acme (Gold, paid), Beta (Silver, verbal), Gamma (in kind only,
    delivered), Delta (declined), Echo (withdrawn), Foxtrot (prospect only: not carried), Golf
    (in kind only offered: not carried)."""
    event = Event.objects.create(
        name="Summit 2026",
        date=datetime.date(2026, 10, 1),
        venue="Corn Exchange",
        capacity=250,
        sponsorship_target=Decimal("30000"),
        in_kind_target=Decimal("5000"),
    )
    gold = SponsorshipTier.objects.create(
        event=event, name="Gold", price=Decimal("4000"), slots=3, ticket_allocation=6, stand=True, logo=True
    )
    silver = SponsorshipTier.objects.create(event=event, name="Silver", price=Decimal("2000"), slots=5, logo=True)
    orgs = {n: org(n, owner=committee) for n in ("Acme", "Beta", "Gamma", "Delta", "Echo", "Foxtrot", "Golf")}
    pledge(orgs["Acme"], event, Stage.PAID, "4000", tier=gold, owner=organiser)
    pledge(orgs["Beta"], event, Stage.VERBAL, "2000", tier=silver, owner=committee)
    pledge(orgs["Delta"], event, Stage.DECLINED, "2000", tier=silver, owner=organiser)
    pledge(orgs["Echo"], event, Stage.WITHDRAWN, "750")
    pledge(orgs["Foxtrot"], event, Stage.PROSPECT, "750")
    InKindContribution.objects.create(
        organisation=orgs["Gamma"],
        event=event,
        category="venue",
        description="Main hall",
        estimated_value=Decimal("6500"),
        status="delivered",
        owner=organiser,
    )
    InKindContribution.objects.create(
        organisation=orgs["Golf"],
        event=event,
        category="catering",
        description="Coffee",
        estimated_value=Decimal("300"),
        status="offered",
    )
    return event, orgs, {"gold": gold, "silver": silver}
