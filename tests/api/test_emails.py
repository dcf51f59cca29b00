"""Emails through the API: read-only, with who each was filed on, filters and constant queries."""

import datetime

import pytest
from django.utils import timezone

from crm.models import Interaction
from mail.models import EmailAttachment, EmailMessage
from mail.services import file_on_contact
from tests.api.conftest import token_client
from tests.crm import factories

pytestmark = pytest.mark.django_db


def message(subject, days_ago=0, direction="inbound", **fields):
    return EmailMessage.objects.create(
        message_id=f"<{subject}-{days_ago}@x>",
        subject=subject,
        from_address=fields.pop("sender", "a@b.example"),
        sent_at=timezone.now() - datetime.timedelta(days=days_ago),
        direction=direction,
        body_text=fields.pop("body", "Hello"),
        **fields,
    )


@pytest.fixture
def filed(organiser):
    acme = factories.organisation(name="Acme")
    jo, sam = factories.contact(acme, first_name="Jo"), factories.contact(acme, first_name="Sam")
    email = message(
        "Sponsorship", sender="jo@acme.example", to_addresses=["us@network.example"], body="Happy to sponsor."
    )
    file_on_contact(email, jo, user=organiser)
    file_on_contact(email, sam, user=organiser)
    EmailAttachment.objects.create(message=email, filename="logo.png", content_type="image/png", size=1234)
    return email, acme, jo, sam


def test_an_email_shows_its_contacts_organisation_interactions_and_attachments(api_committee, filed):
    email, acme, jo, sam = filed
    body = api_committee.get(f"/api/emails/{email.pk}/").json()
    assert body["subject"] == "Sponsorship" and body["text"] == "Happy to sponsor." and body["status"] == "filed"
    assert body["contacts"] == [jo.pk, sam.pk] and body["organisations"] == [acme.pk]
    assert sorted(body["interactions"]) == sorted(Interaction.objects.filter(kind="email").values_list("pk", flat=True))
    assert body["to_addresses"] == ["us@network.example"] and body["direction"] == "inbound"
    assert body["attachments"] == [
        {
            "id": email.attachments.get().pk,
            "filename": "logo.png",
            "content_type": "image/png",
            "size": 1234,
            "skipped": "",
        }
    ]


def test_emails_are_read_only_for_everyone(api_organiser, api_staff, api_committee, filed):
    email = filed[0]
    for client, refused in ((api_committee, 403), (api_staff, 405), (api_organiser, 405)):
        assert client.post("/api/emails/", {"subject": "x"}, format="json").status_code == refused
        for method in ("put", "patch", "delete"):
            response = getattr(client, method)(f"/api/emails/{email.pk}/", {"subject": "x"}, format="json")
            assert response.status_code in (403, 405) and response.json()["detail"]
    email.refresh_from_db()
    assert email.subject == "Sponsorship" and EmailMessage.objects.count() == 1


def test_email_filters(api_staff, filed):
    email, acme, jo, _ = filed
    other = factories.contact(factories.organisation(name="Other"))
    old = message("Old news", days_ago=10, direction="outbound", sender="us@network.example")
    waiting = message("Who is this", days_ago=2, sender="stranger@else.example")
    ids = lambda query: [row["id"] for row in api_staff.get("/api/emails/", query).json()["results"]]  # noqa: E731
    assert ids({}) == [email.pk, waiting.pk, old.pk]  # newest first
    assert ids({"contact": jo.pk}) == ids({"organisation": acme.pk}) == [email.pk]  # once, though filed twice
    assert ids({"contact": other.pk}) == []
    assert ids({"direction": "outbound"}) == [old.pk]
    assert ids({"status": "unmatched"}) == [waiting.pk, old.pk]
    assert ids({"q": "stranger"}) == [waiting.pk]
    today = timezone.localdate()
    assert ids({"sent_after": (today - datetime.timedelta(days=5)).isoformat()}) == [email.pk, waiting.pk]
    assert ids({"sent_before": (today - datetime.timedelta(days=5)).isoformat()}) == [old.pk]
    assert ids({"ordering": "sent_at"}) == [old.pk, waiting.pk, email.pk]
    for bad in ({"contact": 999999}, {"direction": "sideways"}, {"sent_after": "last week"}, {"updated_since": "soon"}):
        response = api_staff.get("/api/emails/", bad)
        assert response.status_code == 400 and set(bad) <= set(response.json()), bad


def test_updated_since_counts_filing_as_a_change(api_organiser, organiser):
    email = message("Later filed", days_ago=5)
    EmailMessage.objects.filter(pk=email.pk).update(received_at=timezone.now() - datetime.timedelta(days=5))
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert api_organiser.get("/api/emails/", {"updated_since": since}).json()["count"] == 0
    file_on_contact(email, factories.contact(), user=organiser)
    assert [r["id"] for r in api_organiser.get("/api/emails/", {"updated_since": since}).json()["results"]] == [
        email.pk
    ]


def _emails(n, organiser):
    org = factories.organisation()
    for i in range(n):
        email = message(f"Bulk {i} {org.pk}")
        file_on_contact(email, factories.contact(org), user=organiser)
        EmailAttachment.objects.create(message=email, filename="a.txt", size=1)


def test_the_email_list_costs_the_same_queries_at_two_sizes(organiser, django_assert_max_num_queries):
    client = token_client(organiser)
    _emails(3, organiser)
    with django_assert_max_num_queries(8) as small:
        assert client.get("/api/emails/?page_size=100").status_code == 200
    _emails(30, organiser)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/api/emails/?page_size=100").json()["count"] == 33
