"""The REST API's resources: reads, writes through the services, and bad input as 4xx JSON."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Contact, FollowUp, Interaction, Organisation
from partners.models import Favour
from sponsors.models import InKindContribution, Pledge, PledgeStageChange
from sponsors.services import create_pledge
from tests.crm import factories

pytestmark = pytest.mark.django_db


def test_organisations_round_trip(api_organiser, organiser):
    from crm.models import Tag

    Tag.objects.get_or_create(name="nhs")
    response = api_organiser.post(
        "/api/organisations/",
        {
            "name": "Acme Digital",
            "roles": ["sponsor", "supplier"],
            "city": "Leeds",
            "owner": "org",
            "tags": ["nhs"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["roles"] == ["sponsor", "supplier"] and body["tags"] == ["nhs"] and body["owner"] == "org"
    org = Organisation.objects.get(pk=body["id"])
    assert org.is_supplier and org.history.count() == 1

    response = api_organiser.patch(f"/api/organisations/{org.pk}/", {"city": "York"}, format="json")
    assert response.status_code == 200 and response.json()["city"] == "York"
    assert response.json()["roles"] == ["sponsor", "supplier"]  # a partial update keeps the roles

    listing = api_organiser.get("/api/organisations/?q=acme").json()
    assert listing["count"] == 1 and listing["results"][0]["name"] == "Acme Digital"


def test_duplicate_organisation_names_the_field(api_organiser):
    factories.organisation(name="Acme Digital Ltd")
    response = api_organiser.post("/api/organisations/", {"name": "ACME digital limited"}, format="json")
    assert response.status_code == 400
    assert "same organisation" in response.json()["name"][0]


def test_unknown_fields_wrong_types_and_malformed_json_are_refused(api_organiser):
    response = api_organiser.post("/api/contacts/", {"first_name": "Ann", "favourite_colour": "red"}, format="json")
    assert response.status_code == 400 and response.json() == {"favourite_colour": ["Unknown field."]}
    response = api_organiser.post("/api/contacts/", {"first_name": "Ann", "do_not_contact": "perhaps"}, format="json")
    assert response.status_code == 400 and "do_not_contact" in response.json()
    response = api_organiser.post("/api/contacts/", "{not json", content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]
    response = api_organiser.post("/api/contacts/", ["a", "list"], format="json")
    assert response.status_code == 400
    assert Contact.objects.count() == 0


def test_contact_email_clash_names_the_email(api_staff):
    factories.contact(email="ann@example.org")
    response = api_staff.post("/api/contacts/", {"first_name": "Ann", "email": "ANN@example.org"}, format="json")
    assert response.status_code == 400 and "email" in response.json()
    response = api_staff.post("/api/contacts/", {"notes": "no name"}, format="json")
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_bogus_ids_are_404_json(api_organiser):
    response = api_organiser.get("/api/contacts/999999/")
    assert response.status_code == 404 and response.json()["detail"]
    response = api_organiser.post(
        "/api/interactions/", {"organisation": 999999, "summary": "Call", "kind": "call"}, format="json"
    )
    assert response.status_code == 400 and "organisation" in response.json()


def test_interactions_are_logged_through_the_service(api_staff, staff):
    org = factories.organisation()
    person = factories.contact(org)
    response = api_staff.post(
        "/api/interactions/",
        {
            "contact": person.pk,
            "kind": "meeting",
            "summary": "Coffee",
            "occurred_at": "2026-03-01T10:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    interaction = Interaction.objects.get()
    assert interaction.organisation == org  # the service fills the contact's organisation
    assert interaction.logged_by == staff and response.json()["logged_by"] == "stf"
    response = api_staff.post("/api/interactions/", {"organisation": org.pk, "summary": "Quick note"}, format="json")
    assert response.status_code == 201 and response.json()["kind"] == "call"  # defaults: a call, now
    response = api_staff.post("/api/interactions/", {"kind": "call", "summary": "Lost"}, format="json")
    assert response.status_code == 400 and "organisation" in response.json()


def test_followups_create_and_update(api_organiser, organiser):
    org = factories.organisation()
    due = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = api_organiser.post(
        "/api/followups/", {"title": "Chase", "due_date": due, "organisation": org.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    followup = FollowUp.objects.get()
    assert followup.assignee == organiser and followup.created_by == organiser
    response = api_organiser.patch(f"/api/followups/{followup.pk}/", {"due_date": "not a date"}, format="json")
    assert response.status_code == 400 and "due_date" in response.json()


def test_pledge_create_records_the_first_stage(api_organiser, organiser):
    ev = factories.event()
    org = factories.organisation()
    response = api_organiser.post(
        "/api/pledges/",
        {
            "organisation": org.pk,
            "event": ev.pk,
            "amount": "2500.00",
            "stage": "approached",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "2500.00" and body["weighted_amount"] == "500.00"
    assert [c["to_stage"] for c in body["stage_changes"]] == ["approached"]


def test_pledge_stage_change_by_patch_is_recorded_like_the_board(api_organiser, organiser):
    pledge = create_pledge(
        organisation=factories.organisation(),
        event=factories.event(),
        amount=Decimal("1000"),
        stage="approached",
        user=organiser,
    )
    response = api_organiser.patch(
        f"/api/pledges/{pledge.pk}/", {"stage": "verbal", "notes": "Said yes"}, format="json"
    )
    assert response.status_code == 200, response.json()
    pledge.refresh_from_db()
    assert pledge.stage == "verbal" and pledge.notes == "Said yes" and pledge.pledged_at is not None
    change = PledgeStageChange.objects.filter(pledge=pledge).order_by("-id").first()
    assert (change.from_stage, change.to_stage, change.changed_by) == ("approached", "verbal", organiser)
    latest = pledge.history.first()
    assert latest.stage == "verbal" and latest.history_user == organiser  # the token's user, as on the board
    assert [c["to_stage"] for c in response.json()["stage_changes"]] == ["verbal", "approached"]  # newest first


def test_refused_moves_name_the_field_and_change_nothing(api_organiser, organiser):
    pledge = create_pledge(
        organisation=factories.organisation(),
        event=factories.event(),
        amount=Decimal("1000"),
        stage="approached",
        user=organiser,
    )
    response = api_organiser.post(f"/api/pledges/{pledge.pk}/move/", {"stage": "declined"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api_organiser.patch(f"/api/pledges/{pledge.pk}/", {"stage": "withdrawn", "notes": "x"}, format="json")
    assert response.status_code == 400 and "lost_reason" in response.json()
    response = api_organiser.post(f"/api/pledges/{pledge.pk}/move/", {"stage": "sideways"}, format="json")
    assert response.status_code == 400 and "stage" in response.json()
    pledge.refresh_from_db()
    assert pledge.stage == "approached" and pledge.notes == ""  # the PATCH's notes rolled back too
    assert PledgeStageChange.objects.filter(pledge=pledge).count() == 1

    response = api_organiser.post(
        f"/api/pledges/{pledge.pk}/move/", {"stage": "declined", "reason": "No budget"}, format="json"
    )
    assert response.status_code == 200 and response.json()["stage"] == "declined"
    assert response.json()["lost_reason"] == "No budget"


def test_committee_cannot_move_a_pledge(api_committee, organiser):
    pledge = create_pledge(
        organisation=factories.organisation(),
        event=factories.event(),
        amount=Decimal("1000"),
        stage="approached",
        user=organiser,
    )
    response = api_committee.post(f"/api/pledges/{pledge.pk}/move/", {"stage": "paid"}, format="json")
    assert response.status_code == 403
    assert Pledge.objects.get(pk=pledge.pk).stage == "approached"


def test_in_kind_status_moves_are_checked(api_organiser):
    org, ev = factories.organisation(), factories.event()
    response = api_organiser.post(
        "/api/in-kind/",
        {
            "organisation": org.pk,
            "event": ev.pk,
            "category": "venue",
            "description": "Hall",
            "estimated_value": "800.00",
            "status": "delivered",
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["status"] == "offered"
    item = InKindContribution.objects.get()
    response = api_organiser.patch(f"/api/in-kind/{item.pk}/", {"status": "delivered"}, format="json")
    assert response.status_code == 400 and "status" in response.json()
    response = api_organiser.patch(f"/api/in-kind/{item.pk}/", {"status": "confirmed"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"


def test_favours_are_recorded_with_who_logged_them(api_organiser, organiser):
    org = factories.organisation()
    response = api_organiser.post(
        "/api/favours/",
        {
            "organisation": org.pk,
            "direction": "we_asked",
            "description": "Lanyards",
            "estimated_value": "-5",
        },
        format="json",
    )
    assert response.status_code == 400 and "estimated_value" in response.json()
    response = api_organiser.post(
        "/api/favours/",
        {
            "organisation": org.pk,
            "direction": "we_asked",
            "description": "Lanyards",
            "estimated_value": "120.50",
        },
        format="json",
    )
    assert response.status_code == 201
    assert Favour.objects.get().logged_by == organiser


def test_deleting_an_organisation_with_pledges_is_a_conflict(api_organiser, organiser):
    org = factories.organisation()
    create_pledge(organisation=org, event=factories.event(), amount=Decimal("1"), user=organiser)
    response = api_organiser.delete(f"/api/organisations/{org.pk}/")
    assert response.status_code == 409 and "pledges" in response.json()["detail"]
    assert Organisation.objects.filter(pk=org.pk).exists()


def test_events_and_tiers_are_read_only(api_organiser):
    ev = factories.event(name="Launch")
    from sponsors.models import SponsorshipTier

    SponsorshipTier.objects.create(event=ev, name="Gold", price=Decimal("5000"), ticket_allocation=4, stand=True)
    assert api_organiser.get("/api/events/").json()["results"][0]["name"] == "Launch"
    tiers = api_organiser.get(f"/api/tiers/?event={ev.pk}").json()["results"]
    assert tiers[0]["benefits"] == ["4 tickets", "Exhibition stand"]
    assert api_organiser.post("/api/events/", {"name": "New"}, format="json").status_code == 405


def test_anonymous_requests_get_401_json(client, db):
    response = client.get("/api/contacts/")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]
    response = client.post("/api/contacts/", {"first_name": "X"}, content_type="application/json")
    assert response.status_code == 401


def test_the_web_session_works_too_with_csrf(client, staff):
    client.force_login(staff)
    assert client.get("/api/contacts/").status_code == 200


def test_followup_actions_go_through_the_services(api_organiser, api_staff, organiser, staff):
    org = factories.organisation()
    followup = FollowUp.objects.create(
        organisation=org, title="Chase Acme", assignee=organiser, due_date=timezone.localdate()
    )
    url = f"/api/followups/{followup.pk}"
    assert api_staff.post(f"{url}/snooze/", {"until": "2099-01-01"}, format="json").status_code == 403
    response = api_organiser.post(f"{url}/snooze/", {"until": "2001-01-01"}, format="json")
    assert response.status_code == 400 and "until" in response.json()
    later = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    response = api_organiser.post(f"{url}/snooze/", {"until": later}, format="json")
    assert response.status_code == 200 and response.json()["due_date"] == later
    response = api_organiser.post(f"{url}/reassign/", {"assignee": "nobody"}, format="json")
    assert response.status_code == 400 and "assignee" in response.json()
    response = api_organiser.post(f"{url}/reassign/", {"assignee": "stf"}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == "stf"
    response = api_organiser.post(
        f"{url}/complete/", {"outcome": "Agreed to Gold", "kind": "note", "colour": "red"}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"colour": ["Unknown field."]}
    response = api_organiser.post(f"{url}/complete/", {"outcome": "Agreed to Gold", "kind": "note"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "done"
    note = Interaction.objects.get(organisation=org)
    assert (note.kind, note.outcome, note.logged_by) == ("note", "Agreed to Gold", organiser)
    response = api_organiser.post(f"{url}/complete/", {}, format="json")
    assert response.status_code == 400 and "already closed" in str(response.json())
