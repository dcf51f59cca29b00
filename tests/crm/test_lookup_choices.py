"""Pickers of organisations, contacts, pledges stay small however many records there are."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.forms.base import LookupChoicesMixin
from crm.models import Contact, FollowUp
from sponsors.services import create_pledge
from tests.crm import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit(monkeypatch):
    monkeypatch.setattr(LookupChoicesMixin, "RENDER_ALL_UP_TO", 3)


def options(html, field):
    start = html.index(f'name="{field}"')
    return html[start : html.index("</select>", start)].count("<option")


def test_few_records_are_all_listed_without_search(client, organiser):
    factories.organisation(name="Northgate Council")
    client.force_login(organiser)
    page = client.get(reverse("crm:contact_create")).content.decode()
    assert options(page, "organisation") == 2  # the blank and the one organisation
    assert "data-lookup-url" not in page


def test_many_records_list_only_the_chosen_one_and_search_for_the_rest(client, organiser, limit):
    orgs = [factories.organisation(name=f"Org {n}") for n in range(6)]
    contacts = [Contact.objects.create(first_name="C", last_name=str(n), organisation=orgs[0]) for n in range(6)]
    client.force_login(organiser)
    page = client.get(reverse("crm:followup_create") + f"?contact={contacts[4].pk}").content.decode()
    assert options(page, "organisation") == 1 and options(page, "contact") == 1 + 1
    assert 'data-autocomplete="contact"' in page and 'data-lookup-only="true"' in page
    assert "crm/autocomplete" in page

    # A record the page did not list is still accepted: the choices checked are all of them.
    response = client.post(
        reverse("crm:followup_create"),
        {
            "title": "Send the invoice",
            "due_date": "2027-01-10",
            "assignee": organiser.pk,
            "organisation": orgs[5].pk,
            "contact": "",
        },
    )
    assert response.status_code == 302
    assert FollowUp.objects.get(title="Send the invoice").organisation == orgs[5]


def test_a_long_pledge_list_is_narrowed_to_the_chosen_organisation(client, organiser, limit):
    event = factories.event()
    mine, other = factories.organisation(name="Mine"), factories.organisation(name="Other")
    for n in range(3):
        create_pledge(organisation=other, event=event, amount=Decimal("100") + n, stage="prospect", user=organiser)
    ours = create_pledge(organisation=mine, event=event, amount=Decimal("500"), stage="prospect", user=organiser)
    client.force_login(organiser)
    page = client.get(reverse("crm:followup_create") + f"?organisation={mine.pk}").content.decode()
    assert options(page, "pledge") == 2  # the blank and Mine's pledge
    assert f'value="{ours.pk}"' in page
    empty = client.get(reverse("crm:followup_create")).content.decode()
    assert options(empty, "pledge") == 1
    assert "choose the organisation first" in empty
