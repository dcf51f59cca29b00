"""Fixtures for the invoicing tests: a confirmed pledge with a tier and a billing contact."""

from decimal import Decimal

import pytest

from crm.models import Event
from sponsors.models import SponsorshipTier
from sponsors.services import create_pledge
from tests.crm import factories


@pytest.fixture
def event(db):
    import datetime

    return Event.objects.create(
        name="Launch 2027",
        date=datetime.date(2027, 3, 18),
        venue="Civic Hall",
        capacity=250,
        sponsorship_target=Decimal("20000"),
    )


@pytest.fixture
def tier(event):
    return SponsorshipTier.objects.create(
        event=event,
        name="Gold",
        price=Decimal("2500"),
        ticket_allocation=4,
        stand=True,
        logo=True,
        other_benefits="Newsletter mention",
    )


@pytest.fixture
def make_pledge(event, tier, organiser):
    def make(stage="confirmed", amount=Decimal("2500"), name=None, owner=None):
        org = factories.organisation(name=name)
        factories.contact(org, first_name="Priya", last_name="Shah", email=f"priya{org.pk}@council.example")
        return create_pledge(
            organisation=org, event=event, tier=tier, amount=amount, stage=stage, user=organiser, owner=owner
        )

    return make


@pytest.fixture
def pledge(make_pledge):
    return make_pledge(name="Leeds City Council")
