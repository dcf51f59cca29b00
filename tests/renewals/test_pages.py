"""The "Plan the next event" page and the organisation page's giving across events."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from crm.models import Event, FollowUp
from sponsors.models import InKindContribution, Pledge, SponsorshipTier
from tests.renewals.conftest import org, pledge

pytestmark = pytest.mark.django_db
FROZEN = time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False)


def form_data(event, **changes):
    tiers = list(SponsorshipTier.objects.filter(event=event).order_by("-price"))
    data = {
        "name": "Summit 2027",
        "date": "2027-10-07",
        "venue": "Town Hall",
        "capacity": "300",
        "sponsorship_target": "35000",
        "in_kind_target": "5000",
        "tiers-TOTAL_FORMS": str(len(tiers) + 1),
        "tiers-INITIAL_FORMS": str(len(tiers)),
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "30",
    }
    for i, tier in enumerate(tiers):
        data.update(
            {
                f"tiers-{i}-source_id": str(tier.pk),
                f"tiers-{i}-name": tier.name,
                f"tiers-{i}-price": str(tier.price),
                f"tiers-{i}-slots": str(tier.slots),
                f"tiers-{i}-ticket_allocation": str(tier.ticket_allocation),
            }
        )
    # The empty row for a new tier, as the browser posts it (its defaults filled in).
    data.update({f"tiers-{len(tiers)}-slots": "1", f"tiers-{len(tiers)}-ticket_allocation": "0"})
    data.update(changes)
    return data


@FROZEN
def test_the_event_page_offers_planning_to_the_organiser_only(client, last_event, organiser, committee):
    event, _, _ = last_event
    client.force_login(organiser)
    page = client.get(event.get_absolute_url()).content.decode()
    assert reverse("renewals:plan_next_event", args=[event.pk]) in page
    client.force_login(committee)
    assert (
        reverse("renewals:plan_next_event", args=[event.pk])
        not in client.get(event.get_absolute_url()).content.decode()
    )


@FROZEN
def test_the_form_starts_from_last_time(client, last_event, organiser):
    event, _, _ = last_event
    client.force_login(organiser)
    response = client.get(reverse("renewals:plan_next_event", args=[event.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Plan the event after Summit 2026" in page
    assert 'value="Summit 2027"' in page and 'value="2027-10-01"' in page  # the year moved on
    assert 'value="Gold"' in page and 'value="4000.00"' in page
    assert "Delta" in page and "Echo" in page  # declined and withdrawn, to choose from
    assert "3 sponsors who pledged" in page


@FROZEN
def test_planning_from_the_page_with_an_edited_tier_and_a_chosen_lapsed_sponsor(client, last_event, organiser):
    event, orgs, _ = last_event
    client.force_login(organiser)
    data = form_data(
        event, **{"tiers-0-price": "4500", "tiers-1-DELETE": "on", "include_lapsed": [str(orgs["Echo"].pk)]}
    )
    response = client.post(reverse("renewals:plan_next_event", args=[event.pk]), data, follow=True)
    new = Event.objects.get(name="Summit 2027")
    assert response.redirect_chain[-1][0] == f"{reverse('sponsors:pledge_board')}?event={new.pk}"
    assert "Planned Summit 2027: 4 sponsors from Summit 2026 to ask again" in response.content.decode()
    assert (new.venue, new.capacity, new.sponsorship_target) == ("Town Hall", 300, Decimal("35000"))
    assert list(SponsorshipTier.objects.filter(event=new).values_list("name", "price")) == [
        ("Gold", Decimal("4500.00"))
    ]
    assert set(Pledge.objects.filter(event=new).values_list("organisation__name", flat=True)) == {
        "Acme",
        "Beta",
        "Gamma",
        "Echo",
    }
    assert FollowUp.objects.filter(pledge__event=new).count() == 4


@FROZEN
@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": "Summit 2026"}, "already exists"),
        ({"date": "2026-12-01"}, "must be in the future"),
        ({"date": ""}, "This field is required"),
        ({"tiers-1-name": "Gold"}, "Two tiers are called"),
        ({"tiers-0-price": "-5"}, "greater than or equal to 0"),
    ],
)
def test_bad_input_shows_the_form_again_with_the_problem(client, last_event, organiser, changes, message):
    event, _, _ = last_event
    client.force_login(organiser)
    response = client.post(reverse("renewals:plan_next_event", args=[event.pk]), form_data(event, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Event.objects.count() == 1 and Pledge.objects.count() == 5


@FROZEN
def test_an_event_with_nothing_to_carry_explains_on_the_page(client, organiser):
    empty = Event.objects.create(name="Quiet 2026", date=datetime.date(2026, 5, 1))
    client.force_login(organiser)
    response = client.post(reverse("renewals:plan_next_event", args=[empty.pk]), form_data(empty, name="Quiet 2027"))
    assert response.status_code == 400
    assert "has no sponsors to carry forward" in response.content.decode()


@pytest.mark.parametrize("role", ["committee", "staff"])
def test_committee_and_staff_cannot_plan(client, last_event, role, request):
    event, _, _ = last_event
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("renewals:plan_next_event", args=[event.pk])).status_code == 403
    assert client.post(reverse("renewals:plan_next_event", args=[event.pk]), form_data(event)).status_code == 403
    assert Event.objects.count() == 1


# -- the organisation page: giving across events ---------------------------------------------------


def test_giving_across_events_in_one_table(client, last_event, organiser, committee):
    _event, orgs, _tiers = last_event
    later = Event.objects.create(name="Summit 2027", date=datetime.date(2027, 10, 7))
    gold = SponsorshipTier.objects.create(event=later, name="Gold", price=Decimal("5000"))
    pledge(orgs["Acme"], later, "confirmed", "5000", tier=gold)
    InKindContribution.objects.create(
        organisation=orgs["Acme"],
        event=later,
        category="av",
        description="PA",
        estimated_value=Decimal("900"),
        status="confirmed",
    )
    client.force_login(committee)
    page = client.get(orgs["Acme"].get_absolute_url()).content.decode()
    table = page[page.index('data-testid="giving-panel"') :]
    table = table[: table.index("</table>")]
    rows = table.split("<tr>")[2:]
    assert "Summit 2027" in rows[0] and "£5,000" in rows[0] and "£900" in rows[0] and "Confirmed in writing" in rows[0]
    assert "Summit 2026" in rows[1] and "Gold" in rows[1] and rows[1].count("£4,000") == 2  # pledged and paid


def test_giving_table_is_hidden_for_an_organisation_that_never_gave(client, organiser):
    quiet = org("Quiet Ltd")
    client.force_login(organiser)
    assert 'data-testid="giving-panel"' not in client.get(quiet.get_absolute_url()).content.decode()


def test_giving_table_costs_the_same_queries_for_many_events(client, organiser, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    acme = org("Acme")
    counts = []
    for n in (1, 6):
        for i in range(n):
            event = Event.objects.create(name=f"E{n}-{i}", date=datetime.date(2020 + i, 5, 1))
            tier = SponsorshipTier.objects.create(event=event, name="Gold", price=Decimal("100"))
            pledge(acme, event, "paid", "100", tier=tier)
            InKindContribution.objects.create(
                organisation=acme,
                event=event,
                category="av",
                description="PA",
                estimated_value=Decimal("9"),
                status="delivered",
            )
        client.force_login(organiser)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(acme.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
