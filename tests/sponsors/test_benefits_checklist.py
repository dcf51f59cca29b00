"""The benefits a pledge's tier promised, ticked off on the pledge page (delivered, when, notes)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.models import Event
from sponsors.models import BenefitDelivery, SponsorshipTier
from sponsors.services import create_pledge, record_benefit_delivery
from tests.crm import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge(organiser):
    event = Event.objects.create(name="Launch", capacity=250)
    tier = SponsorshipTier.objects.create(
        event=event, name="Gold", price=Decimal("2500"), ticket_allocation=4, stand=True, logo=True
    )
    return create_pledge(organisation=factories.organisation(), event=event, tier=tier, stage="confirmed")


@pytest.mark.clock
def test_delivering_a_benefit_records_when_and_a_note(pledge, organiser):
    logo = pledge.benefits.get(benefit="Logo on event materials")
    record_benefit_delivery(logo, delivered=True, notes=" Logo received as SVG ", user=organiser)
    logo.refresh_from_db()
    assert logo.delivered and logo.delivered_on == timezone.localdate() and logo.notes == "Logo received as SVG"
    assert logo.history.first().delivered  # the tick is in the history (rows made in bulk have none before it)
    record_benefit_delivery(logo, delivered=False, delivered_on=datetime.date(2026, 1, 1), notes="")
    logo.refresh_from_db()
    assert not logo.delivered and logo.delivered_on is None


@pytest.mark.clock
def test_a_future_delivery_date_is_refused_and_nothing_changes(pledge):
    stand = pledge.benefits.get(benefit="Exhibition stand")
    with pytest.raises(ValidationError, match="future"):
        record_benefit_delivery(stand, delivered=True, delivered_on=timezone.localdate() + datetime.timedelta(1))
    stand.refresh_from_db()
    assert not stand.delivered


def test_the_organiser_ticks_benefits_on_the_pledge_page(client, organiser, pledge):
    client.force_login(organiser)
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert page.count('data-testid="benefit"') == 3 and "Notes on Exhibition stand" in page
    stand = pledge.benefits.get(benefit="Exhibition stand")
    response = client.post(
        reverse("sponsors:benefit_update", args=[stand.pk]),
        {"delivered": "on", "delivered_on": "2026-11-01", "notes": "Stand 14"},
        follow=True,
    )
    assert "Exhibition stand: delivered on 01 Nov 2026." in response.content.decode()
    stand.refresh_from_db()
    assert stand.delivered and stand.notes == "Stand 14"
    response = client.post(
        reverse("sponsors:benefit_update", args=[stand.pk]),
        {"delivered": "on", "delivered_on": "not a date"},
        follow=True,
    )
    assert "Enter a valid date" in response.content.decode()
    stand.refresh_from_db()
    assert stand.delivered_on == datetime.date(2026, 11, 1)


def test_the_committee_sees_the_checklist_but_cannot_tick(client, committee, pledge):
    client.force_login(committee)
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert "Exhibition stand" in page and "Notes on Exhibition stand" not in page
    stand = pledge.benefits.get(benefit="Exhibition stand")
    assert client.post(reverse("sponsors:benefit_update", args=[stand.pk]), {"delivered": "on"}).status_code == 403
    assert not BenefitDelivery.objects.filter(delivered=True).exists()
