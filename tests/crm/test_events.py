"""Event pages: the list, an event's page with the panels other apps add, create and edit."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Event
from sponsors.models import TicketAllocation
from sponsors.services import create_pledge
from tests.crm import factories

pytestmark = pytest.mark.django_db


def test_list_shows_events_newest_first_with_constant_queries(client, committee, django_assert_max_num_queries):
    factories.event(name="Autumn meetup", date=datetime.date(2026, 10, 1))
    factories.event(name="Launch", date=datetime.date(2027, 3, 12), venue="Civic Hall", capacity=250)
    client.force_login(committee)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("crm:event_list"))
    for n in range(30):
        factories.event(name=f"Workshop {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("crm:event_list")).content.decode()
    assert page.index("Launch") < page.index("Autumn meetup")
    assert "Civic Hall" in page and "12 Mar 2027" in page
    assert "New event" not in page  # committee reads only


def test_empty_list_says_so(client, organiser):
    client.force_login(organiser)
    page = client.get(reverse("crm:event_list")).content.decode()
    assert "No events yet." in page and "New event" in page


def test_event_page_shows_sponsorship_against_target_and_tickets(client, organiser):
    event = factories.event(name="Launch", capacity=250, sponsorship_target=Decimal("20000"))
    org = factories.organisation(name="Northgate Council")
    paid = create_pledge(organisation=org, event=event, amount=Decimal("5000"), stage="paid", user=organiser)
    create_pledge(
        organisation=factories.organisation(), event=event, amount=Decimal("3000"), stage="verbal", user=organiser
    )
    create_pledge(
        organisation=factories.organisation(),
        event=event,
        amount=Decimal("9000"),
        stage="declined",
        lost_reason="No budget",
        user=organiser,
    )
    TicketAllocation.objects.create(pledge=paid, allocated=10, claimed=4)
    client.force_login(organiser)
    page = client.get(reverse("crm:event_detail", args=[event.pk])).content.decode()
    assert "Pledged <strong>£8,000</strong> of a £20,000 target (40%)" in page
    assert "paid £5,000" in page
    assert "Declined: 1 (£9,000)" in page
    assert "Capacity 250 · given to sponsors 10 (4 claimed)" in page
    assert "240 left to sell" in page


def test_event_without_pledges_says_so(client, committee):
    event = factories.event(name="Launch")
    client.force_login(committee)
    page = client.get(reverse("crm:event_detail", args=[event.pk])).content.decode()
    assert "No pledges for this event yet." in page
    assert reverse("crm:event_update", args=[event.pk]) not in page


def test_organiser_creates_and_edits_an_event(client, organiser):
    client.force_login(organiser)
    response = client.post(
        reverse("crm:event_create"),
        {
            "name": "Launch",
            "date": "2027-03-12",
            "venue": "Civic Hall",
            "capacity": "250",
            "sponsorship_target": "20000",
            "in_kind_target": "5000",
        },
        follow=True,
    )
    event = Event.objects.get(name="Launch")
    assert response.redirect_chain[-1][0] == reverse("crm:event_detail", args=[event.pk])
    assert "Saved Launch." in response.content.decode()
    client.post(
        reverse("crm:event_update", args=[event.pk]),
        {
            "name": "Launch",
            "date": "2027-03-19",
            "venue": "Civic Hall",
            "capacity": "300",
            "sponsorship_target": "20000",
            "in_kind_target": "5000",
        },
    )
    event.refresh_from_db()
    assert (event.date, event.capacity) == (datetime.date(2027, 3, 19), 300)


def test_bad_event_input_is_refused_field_by_field(client, organiser):
    factories.event(name="Launch")
    client.force_login(organiser)
    response = client.post(
        reverse("crm:event_create"),
        {
            "name": "Launch",
            "date": "not a date",
            "capacity": "-5",
            "sponsorship_target": "-1",
            "in_kind_target": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"name", "date", "capacity", "sponsorship_target"}
    assert Event.objects.count() == 1


def test_event_page_queries_do_not_grow_with_pledges(client, organiser, django_assert_max_num_queries):
    event = factories.event(name="Launch", capacity=250)

    def add_pledges(n):
        for _ in range(n):
            pledge = create_pledge(
                organisation=factories.organisation(), event=event, amount=Decimal("100"), stage="paid", user=organiser
            )
            TicketAllocation.objects.create(pledge=pledge, allocated=2, claimed=1)

    add_pledges(1)
    client.force_login(organiser)
    url = reverse("crm:event_detail", args=[event.pk])
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    add_pledges(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert "given to sponsors 22 (11 claimed)" in page
