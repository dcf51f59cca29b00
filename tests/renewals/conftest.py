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


@pytest.fixture
def two_events(organiser, committee):
    """Then (2026) and now (2027):
    Acme    then paid 1,000                  now confirmed 1,000  → renewed
    Beta    then verbal 1,000                now paid 1,500       → upgraded
    Cobalt  then 2,000 + 500 in kind         now verbal 2,000     → downgraded (2,000 < 2,500)
    Delta   then paid 3,000                  now prospect 3,000   → lapsed (asked, not pledged)
    Echo    then confirmed 400               now nothing          → lapsed
    Fern    then declined 900                now verbal 700       → new (declining is not giving)
    Gale    then nothing                     now in kind 300      → new
    Hollow  then in kind only offered        now nothing          → nobody
    """
    then = Event.objects.create(name="Summit 2026", date=datetime.date(2026, 10, 1))
    now = Event.objects.create(name="Summit 2027", date=datetime.date(2027, 10, 7))
    o = {n: org(n, owner=committee) for n in ("Acme", "Beta", "Cobalt", "Delta", "Echo", "Fern", "Gale", "Hollow")}
    pledge(o["Acme"], then, Stage.PAID, "1000")
    pledge(o["Acme"], now, Stage.CONFIRMED, "1000")
    pledge(o["Beta"], then, Stage.VERBAL, "1000")
    pledge(o["Beta"], now, Stage.PAID, "1500")
    pledge(o["Cobalt"], then, Stage.PAID, "2000")
    InKindContribution.objects.create(
        organisation=o["Cobalt"],
        event=then,
        category="av",
        description="PA",
        estimated_value=Decimal("500"),
        status="delivered",
    )
    pledge(o["Cobalt"], now, Stage.VERBAL, "2000")
    pledge(o["Delta"], then, Stage.PAID, "3000", owner=organiser)
    pledge(o["Delta"], now, Stage.PROSPECT, "3000")
    pledge(o["Echo"], then, Stage.CONFIRMED, "400")
    pledge(o["Fern"], then, Stage.DECLINED, "900")
    pledge(o["Fern"], now, Stage.VERBAL, "700")
    InKindContribution.objects.create(
        organisation=o["Gale"],
        event=now,
        category="catering",
        description="Tea",
        estimated_value=Decimal("300"),
        status="confirmed",
    )
    InKindContribution.objects.create(
        organisation=o["Hollow"],
        event=then,
        category="prizes",
        description="Prize",
        estimated_value=Decimal("50"),
        status="offered",
    )
    return then, now, o
