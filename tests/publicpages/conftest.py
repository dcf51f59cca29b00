"""Fixtures for the public pages: an event with tiers and its public page, an application's form
data, and a fake sponsor portal registered through crm.registry where a test asks for it."""

import datetime
import time
from decimal import Decimal

import pytest
from django.core.cache import cache

from crm import registry
from crm.models import Event
from publicpages.forms import started_token
from publicpages.models import PublicPage
from sponsors.models import SponsorshipTier


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    """Each test starts with no requests counted against the rate limits, and no fill-time wait."""
    cache.clear()
    settings.PUBLICPAGES_MIN_FILL_SECONDS = 0
    yield
    cache.clear()


@pytest.fixture
def event(db):
    return Event.objects.create(
        name="Launch 2027", date=datetime.date(2027, 3, 18), venue="Civic Hall, Leeds", capacity=250
    )


@pytest.fixture
def tiers(event):
    return {
        "Headline": SponsorshipTier.objects.create(
            event=event, name="Headline", price=Decimal("8000"), slots=1, ticket_allocation=10, stand=True, logo=True
        ),
        "Gold": SponsorshipTier.objects.create(
            event=event, name="Gold", price=Decimal("4000"), slots=3, logo=True, other_benefits="Newsletter mention"
        ),
        "Supporter": SponsorshipTier.objects.create(event=event, name="Supporter", price=Decimal("750"), slots=10),
    }


@pytest.fixture
def page(event, tiers, organiser):
    organiser.email = "olivia@network.example"
    organiser.save()
    return PublicPage.objects.create(
        event=event,
        slug="launch-2027",
        prospectus_on=True,
        application_on=True,
        wall_on=True,
        owner=organiser,
        public_contact="The events team",
    )


@pytest.fixture
def form_data(tiers):
    """A complete, valid application as a browser would post it (started a minute ago)."""

    def make(**changes):
        data = {
            "organisation": "Acme Digital Ltd",
            "contact_name": "Ada Lovelace",
            "email": "Ada@Acme.example",
            "phone": "0113 496 0000",
            "website": "https://acme.example",
            "tier": str(tiers["Gold"].pk),
            "billing_address": "1 Park Row, Leeds",
            "po_number": "PO-77",
            "message": "We would love to support the launch.",
            "consent": "on",
            "fax_number": "",
            "started": started_token(time.time() - 60),
        }
        data.update(changes)
        return {k: v for k, v in data.items() if v is not None}

    return make


class FakePortal:
    """Stands in for the sponsor portal's registered actions (portal.sponsor_presence, portal.invite)."""

    def __init__(self):
        self.presence: dict[int, dict] = {}
        self.invited: list[tuple] = []

    def show(self, pledge_id, **fields):
        """What the portal's own writes do: the pledge's presence changes, and (as its saves do
        through model signals) the walls' version moves."""
        from publicpages import wallcache

        entry = self.presence.setdefault(
            pledge_id, {"signed": False, "logo": "", "logo_is_svg": False, "description": "", "website": ""}
        )
        entry.update(fields)
        wallcache.changed()

    def sponsor_presence(self, pledge_ids):
        return {pk: self.presence[pk] for pk in pledge_ids if pk in self.presence}

    def invite(self, pledge, *, email=None, user=None):
        self.invited.append((pledge.pk, email, user))
        return f"http://testserver/portal/t/token-{pledge.pk}/"


@pytest.fixture
def fake_portal():
    saved = {name: registry.action(name) for name in ("portal.sponsor_presence", "portal.invite")}
    portal = FakePortal()
    registry.register_action("portal.sponsor_presence", portal.sponsor_presence)
    registry.register_action("portal.invite", portal.invite)
    yield portal
    for name, function in saved.items():
        if function is None:
            registry._actions.pop(name, None)
        else:
            registry.register_action(name, function)


@pytest.fixture
def no_portal():
    saved = {name: registry._actions.pop(name, None) for name in ("portal.sponsor_presence", "portal.invite")}
    yield
    for name, function in saved.items():
        if function is not None:
            registry.register_action(name, function)
