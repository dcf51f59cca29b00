"""Committee and staff see who applied: on the pledge, on the pipeline board, and through the REST
API (a pledge's `source`, and `/api/pledges/?source=application form`)."""

import pytest
from django.test import Client

from publicpages.models import Application
from sponsors.services import create_pledge
from tests.api.conftest import token_client
from tests.crm import factories

URL = "/sponsor/launch-2027/"


@pytest.fixture
def applied(page, form_data):
    response = Client().post(URL, form_data())
    assert response.status_code == 200, response.text
    return Application.objects.get().pledge


@pytest.fixture
def by_hand(page, tiers, organiser):
    return create_pledge(
        organisation=factories.organisation(name="Phoned In Ltd"),
        event=page.event,
        tier=tiers["Gold"],
        stage="verbal",
        user=organiser,
    )


@pytest.mark.parametrize("role", ["committee", "staff", "organiser"])
def test_the_api_says_which_pledges_came_through_the_application_form(role, request, applied, by_hand):
    api = token_client(request.getfixturevalue(role))
    rows = {row["id"]: row for row in api.get("/api/pledges/").json()["results"]}
    assert rows[applied.pk]["source"] == "application form"
    assert rows[by_hand.pk]["source"] is None
    assert api.get(f"/api/pledges/{applied.pk}/").json()["source"] == "application form"
    only = api.get("/api/pledges/", {"source": "application form"}).json()
    assert [row["id"] for row in only["results"]] == [applied.pk] and only["count"] == 1
    combined = api.get("/api/pledges/", {"source": "application form", "stage": "paid"}).json()
    assert combined["count"] == 0


def test_an_unknown_source_is_refused_with_a_clear_message(organiser, applied):
    response = token_client(organiser).get("/api/pledges/", {"source": "fax"})
    assert response.status_code == 400
    assert response.json() == {"source": ["Select a valid choice. fax is not one of the available choices."]}


def test_the_api_schema_documents_the_source_filter(organiser):
    schema = token_client(organiser).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content
    assert b"application form" in schema


@pytest.mark.parametrize("role", ["committee", "staff"])
def test_the_pledge_page_says_it_came_through_the_form_and_what_was_sent(role, request, applied, by_hand):
    client = Client()
    client.force_login(request.getfixturevalue(role))
    html = client.get(f"/pledges/{applied.pk}/").text
    assert "Source: application form" in html
    assert "Ada Lovelace" in html and "PO-77" in html and "We would love to support the launch." in html
    assert "Source: application form" not in client.get(f"/pledges/{by_hand.pk}/").text


@pytest.mark.parametrize("role", ["committee", "staff"])
def test_the_pipeline_board_lists_the_new_applications(role, request, page, applied):
    client = Client()
    client.force_login(request.getfixturevalue(role))
    html = client.get("/dashboard/", {"event": page.event.pk}).text
    assert 'data-testid="pipeline-applications-panel"' in html
    assert "1 application through the public form" in html and "Acme Digital Ltd" in html
    assert f'href="/pledges/{applied.pk}/"' in html


def test_a_pledge_created_through_the_api_reads_source_null(organiser, page, tiers):
    org = factories.organisation(name="Api Made Ltd")
    response = token_client(organiser).post(
        "/api/pledges/",
        {"organisation": org.pk, "event": page.event.pk, "tier": tiers["Gold"].pk, "stage": "verbal"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["source"] is None
