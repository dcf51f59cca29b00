"""Fixtures for the sponsor portal: an event with capacity, a Gold tier, a sponsor with a
contact, a verbal pledge, and helpers making logos."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.cache import cache

from crm.models import Event
from portal import services
from sponsors.models import SponsorshipTier
from sponsors.services import create_pledge
from tests.crm import factories


@pytest.fixture(autouse=True)
def portal_env(settings, tmp_path):
    """Mail stays in memory, files in a temporary folder, and the rate limits start afresh."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://crm.example.org"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def event(db):
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
        speaking_slot=True,
    )


@pytest.fixture
def sponsor(db, organiser):
    org = factories.organisation(name="Acme Digital", owner=organiser)
    factories.contact(
        org, first_name="Ada", last_name="Lovelace", email="ada@acme.example", lawful_basis="legitimate_interests"
    )
    return org


@pytest.fixture
def pledge(sponsor, event, tier, organiser):
    return create_pledge(organisation=sponsor, event=event, tier=tier, stage="verbal", owner=organiser, user=organiser)


@pytest.fixture
def link_and_token(pledge):
    return services.create_link(pledge, contact=pledge.organisation.contacts.get())


@pytest.fixture
def link(link_and_token):
    return link_and_token[0]


@pytest.fixture
def token(link_and_token):
    return link_and_token[1]


def png_bytes(width=600, height=200, color=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(width=800, height=300) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 90, 160)).save(out, "JPEG", quality=90)
    return out.getvalue()


CLEAN_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100" width="300" height="100">'
    b'<rect width="300" height="100" fill="#1a4d8f"/><text x="20" y="60" fill="#fff">Acme</text></svg>'
)
