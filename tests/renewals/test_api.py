"""/api/events/{id}/renewals/: the dashboard's figures as JSON, for every role that reads."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from crm.models import Event
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def url(event, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/events/{event.pk}/renewals/" + (f"?{query}" if query else "")


@pytest.mark.parametrize("role", ["committee", "staff", "organiser"])
def test_every_role_reads_the_figures(two_events, role, request):
    then, now, o = two_events
    body = token_client(request.getfixturevalue(role)).get(url(now)).json()
    assert body["event"] == {"id": now.pk, "name": "Summit 2027", "date": "2027-10-07"}
    assert body["previous"]["id"] == then.pk
    assert body["gave_before"] == 5
    assert body["retention_by_count"] == "0.6000"
    assert Decimal(body["retention_by_value"]) == round(Decimal("4500") / Decimal("7900"), 4)
    statuses = {s["status"]: (s["count"], s["before"], s["after"]) for s in body["statuses"]}
    assert statuses == {
        "renewed": (1, "1000.00", "1000.00"),
        "upgraded": (1, "1000.00", "1500.00"),
        "downgraded": (1, "2500.00", "2000.00"),
        "lapsed": (2, "3400.00", "0.00"),
        "new": (2, "0.00", "1000.00"),
    }
    assert [(r["organisation"], r["name"], r["last_amount"], r["stage_now"]) for r in body["lapsed"]] == [
        (o["Delta"].pk, "Delta", "3000.00", "Prospect"),
        (o["Echo"].pk, "Echo", "400.00", ""),
    ]
    assert isinstance(body["pace"], list) and isinstance(body["previous_pace"], list)


def test_any_two_events(two_events, committee):
    then, now, _ = two_events
    body = token_client(committee).get(url(then, compare=now.pk)).json()
    assert body["previous"]["name"] == "Summit 2027" and body["gave_before"] == 5


def test_bad_requests_are_clear_json(two_events, committee):
    _then, now, _ = two_events
    client = token_client(committee)
    response = client.get(url(now, compare="x"))
    assert response.status_code == 400 and "compare" in response.json()
    assert client.get(url(now, compare=999999)).status_code == 400
    assert client.get(url(now, compare=now.pk)).status_code == 400
    assert client.get("/api/events/999999/renewals/").status_code == 404
    assert client.get(f"/api/events/{2**70}/renewals/").status_code == 404
    assert client.get(url(now, compare=2**70)).status_code == 400
    assert client.post(url(now), {}, format="json").status_code == 403  # committee: read only


def test_the_first_event_has_nothing_before(db, committee):
    first = Event.objects.create(name="First", date=datetime.date(2026, 1, 1))
    body = token_client(committee).get(url(first)).json()
    assert body["previous"] is None and body["retention_by_count"] is None and body["statuses"][0]["count"] == 0


def test_anonymous_is_401(two_events):
    _, now, _ = two_events
    assert APIClient().get(url(now)).status_code == 401


def test_the_schema_documents_it(client, committee):
    client.force_login(committee)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/events/{event_pk}/renewals/" in schema and "retention_by_value" in schema
