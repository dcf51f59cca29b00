"""Organisation and contact lists: figures, filters in the URL, and a constant query count."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import FollowUp, Interaction, Tag
from partners.models import Favour
from sponsors.services import create_pledge, move_pledge
from tests.crm import factories


def names(response):
    return [row.record.name for row in response.context["table"].page.object_list]


def test_organisation_figures_come_from_the_related_records(client, organiser):
    ev = factories.event()
    org = factories.busy_organisation(ev, owner=organiser, name="Acme Ltd")
    create_pledge(organisation=org, event=ev, amount=Decimal("250.50"), stage="verbal")
    paid = create_pledge(organisation=org, event=ev, amount=Decimal("9999"), stage="prospect")
    move_pledge(paid, "paid")  # no longer open: left out
    Favour.objects.create(
        organisation=org, direction="we_owe", description="Pending", status="agreed", estimated_value=Decimal("40")
    )  # not done yet: left out of the balance
    client.force_login(organiser)
    row = client.get(reverse("crm:organisation_list")).context["table"].page.object_list[0].record
    assert row.open_pledge_value == Decimal("1250.50")
    assert row.favours_balance == Decimal("380")  # 500 received − 120 returned
    assert row.has_overdue and row.next_followup == timezone.localdate() - datetime.timedelta(days=1)
    assert row.last_contacted is not None


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "acme"}, ["Acme Ltd"]),
        ({"q": "jane@acme"}, ["Acme Ltd"]),  # matches a contact's email
        ({"role": "supplier"}, ["Acme Ltd", "Bravo Catering"]),
        ({"sector": "public"}, ["Council"]),
        ({"city": "york"}, ["Bravo Catering"]),
        ({"stage": "verbal"}, ["Acme Ltd"]),
        ({"overdue": "true"}, ["Council"]),
        ({"overdue": "false"}, ["Acme Ltd", "Bravo Catering"]),
        ({"tag": "TAG"}, ["Bravo Catering"]),
        ({"contacted_before": "2026-01-01"}, ["Bravo Catering", "Council"]),  # never contacted counts
        ({"contacted_after": "2026-01-01"}, ["Acme Ltd"]),
    ],
)
def test_organisation_filters(client, organiser, query, expected):
    ev = factories.event()
    acme = factories.organisation("Acme Ltd", roles=("sponsor", "supplier"), city="Leeds")
    factories.contact(acme, email="jane@acme.example")
    create_pledge(organisation=acme, event=ev, amount=Decimal("1"), stage="verbal")
    Interaction.objects.create(
        organisation=acme, summary="Hi", occurred_at=timezone.make_aware(datetime.datetime(2026, 3, 1, 10))
    )
    bravo = factories.organisation("Bravo Catering", roles=("supplier",), city="York")
    tag = Tag.objects.create(name="caterers")
    bravo.tags.add(tag)
    council = factories.organisation("Council", roles=("public_body",), sector="public")
    FollowUp.objects.create(organisation=council, title="Chase", due_date=timezone.localdate() - datetime.timedelta(1))
    if query.get("tag") == "TAG":
        query = {"tag": tag.pk}
    client.force_login(organiser)
    response = client.get(reverse("crm:organisation_list"), query)
    assert response.status_code == 200
    assert names(response) == expected


def test_organisation_list_sorts_by_a_computed_column(client, organiser):
    ev = factories.event()
    for name, amount in [("Small", "10"), ("Big", "900"), ("Middle", "300")]:
        create_pledge(organisation=factories.organisation(name), event=ev, amount=Decimal(amount), stage="prospect")
    client.force_login(organiser)
    response = client.get(reverse("crm:organisation_list"), {"sort": "-open_pledge_value"})
    assert names(response) == ["Big", "Middle", "Small"]


def test_contact_search_needs_every_word(client, organiser):
    leeds = factories.organisation("Leeds Council")
    factories.contact(leeds, first_name="Jane", last_name="Doe")
    factories.contact(factories.organisation("York Council"), first_name="Jane", last_name="Roe")
    client.force_login(organiser)
    response = client.get(reverse("crm:contact_list"), {"q": "jane leeds"})
    assert [row.record.last_name for row in response.context["table"].page.object_list] == ["Doe"]


def test_contact_list_searches_names_emails_and_organisations_and_filters_job_titles(client, organiser):
    acme = factories.organisation("Acme Ltd")
    factories.contact(acme, first_name="Jane", last_name="Doe", email="jd@acme.example", job_title="Finance Director")
    factories.contact(factories.organisation("Bravo"), first_name="Raj", last_name="Acton", job_title="Chef")
    client.force_login(organiser)

    def last_names(query):
        response = client.get(reverse("crm:contact_list"), query)
        assert response.status_code == 200
        return [row.record.last_name for row in response.context["table"].page.object_list]

    assert last_names({"q": "acme"}) == ["Doe"]  # the organisation's name
    assert last_names({"q": "jd@acme"}) == ["Doe"]
    assert last_names({"q": "act"}) == ["Acton"]
    assert last_names({"q": "director"}) == []  # job titles have a filter of their own
    assert last_names({"job_title": "director"}) == ["Doe"]
    assert last_names({"job_title": "chef", "q": "raj"}) == ["Acton"]


@pytest.mark.parametrize("url_name", ["crm:organisation_list", "crm:contact_list"])
def test_list_filter_forms_are_styled_and_say_what_the_search_box_reads(client, organiser, url_name):
    import re

    client.force_login(organiser)
    text = client.get(reverse(url_name)).content.decode()
    search_box = re.search(r'<input[^>]*name="q"[^>]*>', text).group(0)
    assert "form-control" in search_box and 'type="search"' in search_box and "placeholder=" in search_box
    assert re.search(
        r'<select[^>]*name="role"[^>]*class="[^"]*form-select|<select[^>]*class="[^"]*form-select[^"]*"'
        r'[^>]*name="role"',
        text,
    )


@pytest.mark.parametrize(
    "url_name",
    [
        "crm:organisation_list",
        "crm:contact_list",
        "crm:event_list",
        "sponsors:pledge_list",
        "sponsors:inkind_list",
        "partners:favour_list",
        "partners:partner_list",
        "invoicing:invoice_list",
        "mail:triage",
        "spreadsheets:import_list",
        "spreadsheets:job_list",
        "api:webhook_list",
    ],
)
def test_each_list_counts_its_rows_once(client, organiser, url_name):
    """The table paginates, and ListView no longer does too: one COUNT per page, not two."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    factories.contact(factories.organisation("Acme Ltd"))
    client.force_login(organiser)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(url_name)).status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == len(set(counts)), counts


def test_bad_filter_values_show_the_list_not_an_error(client, organiser):
    client.force_login(organiser)
    response = client.get(reverse("crm:organisation_list"), {"contacted_after": "yesterday", "owner": "abc"})
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


@pytest.mark.parametrize("url_name", ["crm:organisation_list", "crm:contact_list"])
def test_lists_keep_a_constant_number_of_queries(client, organiser, django_assert_max_num_queries, url_name):
    ev = factories.event()
    client.force_login(organiser)

    def load():
        response = client.get(reverse(url_name), {"sort": "-last_contacted"})
        assert response.status_code == 200
        return response

    for _ in range(10):
        factories.busy_organisation(ev, owner=organiser)
    with django_assert_max_num_queries(16):
        assert len(load().context["table"].page.object_list) == 10
    for _ in range(190):
        factories.busy_organisation(ev, owner=organiser)
    with django_assert_max_num_queries(16):
        assert len(load().context["table"].page.object_list) == 50  # paginated


def test_contacts_marked_do_not_contact_are_flagged(client, organiser):
    factories.contact(first_name="Quiet", do_not_contact=True)
    client.force_login(organiser)
    assert "do not contact" in client.get(reverse("crm:contact_list")).content.decode()


@pytest.mark.clock
def test_overdue_is_an_open_follow_up_past_its_date_and_nothing_else(client, organiser):
    """The lists' overdue badge (the next open follow-up's date) and their overdue filter agree."""
    today = timezone.localdate()
    late, done, _ = (factories.organisation(name) for name in ("Late Ltd", "Done Ltd", "None Ltd"))
    FollowUp.objects.create(organisation=late, title="Chase", due_date=today - datetime.timedelta(days=3))
    FollowUp.objects.create(organisation=late, title="Later", due_date=today + datetime.timedelta(days=3))
    FollowUp.objects.create(
        organisation=done,
        title="Was late",
        due_date=today - datetime.timedelta(days=9),
        status="done",
        completed_at=timezone.now(),
    )
    FollowUp.objects.create(organisation=done, title="Due today", due_date=today)
    person = factories.contact(late)
    FollowUp.objects.create(contact=person, title="Call back", due_date=today - datetime.timedelta(days=1))
    client.force_login(organiser)
    rows = client.get(reverse("crm:organisation_list")).context["table"].page.object_list
    assert {row.record.name: row.record.has_overdue for row in rows} == {
        "Late Ltd": True,
        "Done Ltd": False,
        "None Ltd": False,
    }
    assert names(client.get(reverse("crm:organisation_list"), {"overdue": "true"})) == ["Late Ltd"]
    assert names(client.get(reverse("crm:organisation_list"), {"overdue": "false"})) == ["Done Ltd", "None Ltd"]
    contacts = client.get(reverse("crm:contact_list")).context["table"].page.object_list
    assert [row.record.has_overdue for row in contacts] == [True]


def test_a_list_sorted_by_a_column_with_ties_pages_through_every_row_once(client, organiser):
    """Sorted by organisation, 60 people of one organisation come in a fixed order: the primary key
    breaks the tie, so page 2 starts where page 1 ended."""
    org = factories.organisation("Same Ltd")
    people = [factories.contact(org) for _ in range(60)]
    client.force_login(organiser)
    seen = []
    for page in (1, 2):
        response = client.get(reverse("crm:contact_list"), {"sort": "organisation", "page": page})
        table = response.context["table"]
        seen += [row.record.pk for row in table.page.object_list]
    assert seen == sorted(p.pk for p in people)
    assert str(table.data.data.query).rstrip().endswith('"crm_contact"."id" ASC')
    descending = client.get(reverse("crm:contact_list"), {"sort": "-organisation"}).context["table"]
    assert str(descending.data.data.query).rstrip().endswith('"crm_contact"."id" ASC')


def test_sorts_put_what_is_missing_last_in_either_direction_on_every_database(client, organiser):
    """ "never" contacted, no follow-up, no organisation: last whichever way the column is sorted."""
    now, today = timezone.now(), timezone.localdate()
    org = factories.organisation("Acme")
    recent, older, _never = (
        factories.contact(org if name != "Never" else None, first_name=name, last_name="Person")
        for name in ("Recent", "Older", "Never")
    )
    for person, days in ((recent, 1), (older, 30)):
        Interaction.objects.create(
            contact=person,
            organisation=org,
            kind="call",
            summary="Hello",
            occurred_at=now - datetime.timedelta(days=days),
        )
        FollowUp.objects.create(contact=person, title="Chase", due_date=today + datetime.timedelta(days=days))
    client.force_login(organiser)

    def first_names(sort):
        response = client.get(reverse("crm:contact_list"), {"sort": sort})
        return [row.record.first_name for row in response.context["table"].page.object_list]

    assert first_names("last_contacted") == ["Older", "Recent", "Never"]
    assert first_names("-last_contacted") == ["Recent", "Older", "Never"]
    assert first_names("next_followup") == ["Recent", "Older", "Never"]
    assert first_names("-next_followup") == ["Older", "Recent", "Never"]
    assert first_names("organisation")[-1] == first_names("-organisation")[-1] == "Never"

    quiet = factories.organisation("Quiet Ltd")
    response = client.get(reverse("crm:organisation_list"), {"sort": "-last_contacted"})
    assert names(response)[-1] == quiet.name
    response = client.get(reverse("crm:organisation_list"), {"sort": "last_contacted"})
    assert names(response) == ["Acme", "Quiet Ltd"]


@pytest.mark.parametrize("sort", ["bogus", "-organisation__name", "last_contacted,email", "\x00"])
def test_a_sort_the_list_does_not_offer_shows_the_list_not_an_error(client, organiser, sort):
    factories.contact(first_name="Ada")
    client.force_login(organiser)
    for url_name in ("crm:contact_list", "crm:organisation_list"):
        assert client.get(reverse(url_name), {"sort": sort}).status_code == 200
