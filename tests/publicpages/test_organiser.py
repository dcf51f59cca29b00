"""The organiser's side: an event's public-pages settings, the event page's panel, who applied,
and the demo world's public pages."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from crm.models import Event
from publicpages.models import Application, InKindCredit, PublicPage
from sponsors.models import InKindContribution
from tests.crm import factories


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def settings_post(**changes):
    data = {
        "slug": "launch-2027",
        "prospectus_on": "on",
        "application_on": "on",
        "wall_on": "on",
        "owner": "",
        "public_contact": "Events team",
        "intro": "Join us.",
        "thank_you": "Thanks for applying to {{ event }}.",
        "ack_subject": "Thanks, {{ first_name }}",
        "ack_body": "Dear {{ first_name }}, see you at {{ event }}.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_organiser_sets_up_an_events_public_pages(organiser, db):
    event = Event.objects.create(name="Spring Summit 2027", date=datetime.date(2027, 4, 1))
    client = signed_in(organiser)
    response = client.get(f"/events/{event.pk}/public-pages/")
    assert response.status_code == 200 and "<title>Public pages · Spring Summit 2027" in response.text
    assert 'value="spring-summit-2027"' in response.text  # a slug suggested from the name
    response = client.post(f"/events/{event.pk}/public-pages/", settings_post(slug="spring-2027", owner=organiser.pk))
    assert response.status_code == 302
    page = PublicPage.objects.get(event=event)
    assert page.slug == "spring-2027" and page.wall_on and page.owner == organiser
    assert Client().get("/sponsors/spring-2027/").status_code == 200
    embed = client.get(f"/events/{event.pk}/public-pages/").text
    assert 'data-sponsor-wall="http://testserver/sponsors/spring-2027.json"' in embed
    assert "/static/publicpages/embed.js" in embed


def test_switching_a_page_off_makes_it_404_at_once(page, organiser):
    client = signed_in(organiser)
    response = client.post(
        f"/events/{page.event.pk}/public-pages/", settings_post(wall_on=None, prospectus_on=None, application_on=None)
    )
    assert response.status_code == 302
    for url in ("/sponsor/launch-2027/", "/sponsor/launch-2027/prospectus.pdf", "/sponsors/launch-2027/"):
        assert Client().get(url).status_code == 404


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"slug": "Launch_2027"}, "slug", "lower-case letters, digits and single hyphens"),
        ({"ack_body": "Hi {{ password }}"}, "ack_body", "Unknown merge field: password"),
        ({"thank_you": "Thanks {{ first_name }}"}, "thank_you", "Unknown merge field: first_name"),
        ({"intro": "x" * 2001}, "intro", "at most 2000"),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_nothing_saved(page, organiser, changes, field, message):
    before = PublicPage.objects.values().get(pk=page.pk)
    response = signed_in(organiser).post(f"/events/{page.event.pk}/public-pages/", settings_post(**changes))
    assert response.status_code == 400 and message in response.text
    assert PublicPage.objects.values().get(pk=page.pk) == before


def test_a_slug_another_event_uses_is_refused(page, organiser):
    other = factories.event(name="Other event")
    response = signed_in(organiser).post(f"/events/{other.pk}/public-pages/", settings_post(slug="launch-2027"))
    assert response.status_code == 400 and "already exists" in response.text
    assert not PublicPage.objects.filter(event=other).exists()


def test_in_kind_suppliers_are_credited_from_the_settings_page(page, organiser):
    def offer(name, status):
        return InKindContribution.objects.create(
            organisation=factories.organisation(name=name, roles=("supplier",)),
            event=page.event,
            category="printing",
            description="Badges",
            estimated_value=Decimal("300"),
            status=status,
        )

    yes, no, declined = offer("Print Co", "confirmed"), offer("Shy Co", "delivered"), offer("Gone Co", "declined")
    client = signed_in(organiser)
    form = client.get(f"/events/{page.event.pk}/public-pages/").text
    assert "Print Co" in form and "Shy Co" in form and "Gone Co" not in form
    client.post(f"/events/{page.event.pk}/public-pages/", settings_post(credited=[str(yes.pk)]))
    assert [c.contribution for c in InKindCredit.objects.filter(credit_publicly=True)] == [yes]
    assert [s["name"] for s in Client().get("/sponsors/launch-2027.json").json()["in_kind"]] == ["Print Co"]
    client.post(f"/events/{page.event.pk}/public-pages/", settings_post(credited=[str(no.pk)]))
    assert [c.contribution for c in InKindCredit.objects.filter(credit_publicly=True)] == [no]
    assert declined.pk


def test_the_committee_and_staff_see_who_applied_but_cannot_change_the_pages(
    page, committee, staff, form_data, no_portal
):
    Client().post("/sponsor/launch-2027/", form_data())
    for user in (committee, staff):
        client = signed_in(user)
        listing = client.get(f"/events/{page.event.pk}/applications/")
        assert listing.status_code == 200 and "Acme Digital Ltd" in listing.text and "Gold" in listing.text
        event_page = client.get(f"/events/{page.event.pk}/").text
        assert "Applications (1)" in event_page and "/sponsors/launch-2027/" in event_page
        assert f"/events/{page.event.pk}/public-pages/" not in event_page
        assert client.get(f"/events/{page.event.pk}/public-pages/").status_code == 403
        assert client.post(f"/events/{page.event.pk}/public-pages/", settings_post(slug="x")).status_code == 403
    assert PublicPage.objects.get().slug == "launch-2027"


def test_the_applications_list_reads_in_a_fixed_number_of_queries(
    page, organiser, form_data, no_portal, django_assert_max_num_queries
):
    client = signed_in(organiser)
    Client().post("/sponsor/launch-2027/", form_data())
    with django_assert_max_num_queries(20) as few:
        assert client.get(f"/events/{page.event.pk}/applications/").status_code == 200
    first = len(few.captured_queries)
    for i in range(15):
        Client(REMOTE_ADDR=f"10.0.0.{i}").post(
            "/sponsor/launch-2027/",
            form_data(organisation=f"Org {i}", email=f"p{i}@x.example", tier=None)
            | {"tier": str(page.event.tiers.get(name="Supporter").pk)},
        )
    assert Application.objects.count() == 11  # ten Supporter slots, plus the Gold one
    with django_assert_max_num_queries(first):
        assert client.get(f"/events/{page.event.pk}/applications/").status_code == 200


def test_the_demo_world_has_its_public_pages_on(db):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    page = PublicPage.objects.get()
    assert page.prospectus_on and page.application_on and page.wall_on and page.owner.username == "organiser"
    assert Client().get(f"/sponsor/{page.slug}/").status_code == 200
    wall = Client().get(f"/sponsors/{page.slug}.json").json()
    assert wall["tiers"] and wall["in_kind"]
