"""POST /api/contacts/{id}/merge/ and /api/organisations/{id}/merge/, and the webhooks they fire."""

import pytest

from api.models import Webhook, WebhookDelivery, event_names
from crm.models import Contact, Organisation
from duplicates import services
from duplicates.models import Merge
from tests.api.conftest import token_client
from tests.crm import factories

pytestmark = pytest.mark.django_db


def url(kind, pk):
    return f"/api/{kind}/{pk}/merge/"


def test_staff_merge_contacts_through_the_api(pair, staff):
    kept, merged = pair
    response = token_client(staff).post(
        url("contacts", kept.pk), {"merge": [merged.pk], "fields": {"email": merged.pk}}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kept"] == kept.pk and body["merged"] == [merged.pk] and body["target"] == "contacts"
    assert Contact.objects.get().email == "priya.shah.home@gmail.com"
    assert Merge.objects.get().merged_by == staff


def test_the_committee_may_not_merge(pair, committee):
    kept, merged = pair
    response = token_client(committee).post(url("contacts", kept.pk), {"merge": [merged.pk]}, format="json")
    assert response.status_code == 403 and Contact.objects.count() == 2


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"merge": []}, 400, "merge"),
        ({"merge": ["x"]}, 400, "merge"),
        ({}, 400, "merge"),
        ({"merge": "self"}, 400, "merge"),
        ({"merge": [999999]}, 404, "no longer exists"),
        ({"merge": "kept"}, 400, "into itself"),
        ({"merge": "merged", "versions": {"kept": "2001-01-01T00:00:00+00:00"}}, 409, "changed"),
    ],
)
def test_bad_requests_get_a_clear_answer_and_change_nothing(pair, staff, body, status, words):
    kept, merged = pair
    ids = {"kept": [kept.pk], "merged": [merged.pk]}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    if "versions" in body:
        body["versions"] = {str(kept.pk): "2001-01-01T00:00:00+00:00"}
    response = token_client(staff).post(url("contacts", kept.pk), body, format="json")
    assert response.status_code == status, response.content
    assert words in response.content.decode()
    assert Contact.objects.count() == 2


def test_organisations_conflicts_are_listed_then_answered(organiser):
    from decimal import Decimal

    from sponsors.services import create_pledge

    event = factories.event()
    a, b = factories.organisation(name="Leeds City Council"), factories.organisation(name="Leeds CC")
    create_pledge(organisation=a, event=event, amount=Decimal("100"), stage="approached")
    create_pledge(organisation=b, event=event, amount=Decimal("200"), stage="approached")
    client = token_client(organiser)
    response = client.post(url("organisations", a.pk), {"merge": [b.pk]}, format="json")
    assert response.status_code == 409
    conflict = response.json()["conflicts"][0]
    assert "both" in conflict["choices"]
    response = client.post(
        url("organisations", a.pk), {"merge": [b.pk], "resolutions": {conflict["key"]: "both"}}, format="json"
    )
    assert response.status_code == 201 and Organisation.objects.count() == 1


def test_merges_are_webhook_events(pair, organiser, django_capture_on_commit_callbacks):
    assert {"contact.merged", "organisation.merged"} <= event_names()
    kept, merged = pair
    hook = Webhook.objects.create(name="CRM sync", url="https://hooks.example.org/x", events=["contact.merged"])
    with django_capture_on_commit_callbacks(execute=True):
        merge = services.merge_records("contacts", kept.pk, [merged.pk], user=organiser)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.event == "contact.merged"
    assert delivery.payload["data"] == {
        "merge": merge.pk,
        "kept": kept.pk,
        "merged": [merged.pk],
        "merged_at": merge.merged_at.isoformat(),
    }


def test_the_schema_documents_the_merge_endpoints(staff):
    schema = token_client(staff).get("/api/schema/?format=json").json()
    assert "/api/contacts/{record_pk}/merge/" in schema["paths"]
    assert "/api/organisations/{record_pk}/merge/" in schema["paths"]
