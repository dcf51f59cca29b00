"""An application through the public form: what it creates, matches, sends and refuses."""

import datetime
import time

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from crm import registry
from crm.models import Contact, FollowUp, Interaction, LawfulBasis, Organisation
from publicpages.forms import started_token
from publicpages.models import Application
from sponsors.models import Pledge, Stage
from sponsors.services import create_pledge
from tests.crm import factories

URL = "/sponsor/launch-2027/"


def counts():
    return (
        Organisation.objects.count(),
        Contact.objects.count(),
        Pledge.objects.count(),
        FollowUp.objects.count(),
        Application.objects.count(),
        Interaction.objects.count(),
    )


@pytest.fixture
def webhooks():
    """Every (event, payload) published to webhook listeners, once the transaction commits."""
    seen = []
    registry.register_event_listener("test-publicpages", lambda event, data: seen.append((event, data())))
    yield seen
    registry._event_listeners.pop("test-publicpages", None)


@time_machine.travel(datetime.datetime(2027, 1, 12, 23, 59, 30, tzinfo=datetime.UTC))  # London: 23:59:30
def test_an_application_becomes_a_verbal_pledge_with_a_follow_up_emails_and_a_webhook(
    page, tiers, form_data, organiser, mailoutbox, webhooks, django_capture_on_commit_callbacks, no_portal
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(URL, form_data(started=started_token(time.time() - 60)))
    assert response.status_code == 200
    assert "Application sent" in response.text and "Thank you for applying to sponsor Launch 2027" in response.text

    pledge = Pledge.objects.get()
    assert pledge.stage == Stage.VERBAL and pledge.tier == tiers["Gold"] and pledge.amount == tiers["Gold"].price
    assert pledge.owner == organiser and "Source: application form" in pledge.notes and "PO-77" in pledge.notes
    org = pledge.organisation
    assert org.name == "Acme Digital Ltd" and org.is_sponsor and org.website == "https://acme.example"
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.email) == ("Ada", "Lovelace", "ada@acme.example")
    assert contact.lawful_basis == LawfulBasis.CONSENT and contact.source == "application form"
    assert contact.consent_date == datetime.date(2027, 1, 12)  # the local date, a second before midnight
    application = Application.objects.get()
    assert application.consent_at == timezone.now().replace(microsecond=0) or application.consent_at is not None
    assert application.pledge == pledge and application.ip_hash and "127.0.0.1" not in application.ip_hash
    assert application.submitted["message"] == "We would love to support the launch."

    followup = FollowUp.objects.get()
    assert followup.assignee == organiser and followup.due_date == datetime.date(2027, 1, 12)
    assert followup.pledge == pledge and followup.contact == contact and "Acme Digital Ltd" in followup.title

    to_organiser, to_applicant = mailoutbox
    assert to_organiser.to == ["olivia@network.example"] and "Acme Digital Ltd" in to_organiser.subject
    assert "ada@acme.example" in to_organiser.body.lower() and f"/pledges/{pledge.pk}/" in to_organiser.body
    assert to_applicant.to == ["ada@acme.example"]
    assert to_applicant.subject == "Your application to sponsor Launch 2027"
    assert (
        to_applicant.body.startswith("Dear Ada,")
        and "at the Gold level on behalf of Acme Digital Ltd" in to_applicant.body
    )
    # Sent through the mail app (crm.registry "mail.send_template"): filed on the applicant's timeline.
    filed = Interaction.objects.filter(contact=contact, kind="email", direction="outbound").get()
    assert "Your application to sponsor Launch 2027" in filed.summary

    assert [event for event, _ in webhooks] == ["pledge.applied"]
    payload = webhooks[0][1]
    assert payload["pledge"] == pledge.pk and payload["tier"] == "Gold" and payload["stage"] == "verbal"
    assert payload["amount"] == "4000.00" and payload["event_slug"] == "launch-2027"


def test_an_existing_organisation_and_contact_are_matched_not_duplicated(page, form_data, no_portal):
    org = factories.organisation(name="ACME Digital Limited", roles=("supplier",))
    person = factories.contact(org, email="ada@acme.example", first_name="Ada", last_name="King", phone="")
    response = Client().post(URL, form_data(organisation="The Acme Digital", email="  ADA@acme.EXAMPLE "))
    assert response.status_code == 200, response.text
    assert Organisation.objects.count() == 1 and Contact.objects.count() == 1
    pledge = Pledge.objects.get()
    assert pledge.organisation == org
    person.refresh_from_db()
    org.refresh_from_db()
    assert person.last_name == "King"  # their own record is not overwritten by what was typed
    assert person.phone == "0113 496 0000"  # but a missing phone is filled in
    assert person.lawful_basis == LawfulBasis.CONSENT and person.consent_date == timezone.localdate()
    assert org.is_sponsor and org.is_supplier
    application = Application.objects.get()
    assert application.matched_organisation and application.matched_contact


def test_the_acknowledgement_uses_the_organisers_edited_template(
    page, form_data, mailoutbox, django_capture_on_commit_callbacks, no_portal
):
    page.ack_subject = "Thanks, {{ organisation }}!"
    page.ack_body = "Hello {{ first_name }} {{ last_name }}, {{ tier }} at {{ event }}. {{ not_a_field }}"
    page.save()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, form_data())
    ack = mailoutbox[-1]
    assert ack.subject == "Thanks, Acme Digital Ltd!"
    assert ack.body == "Hello Ada Lovelace, Gold at Launch 2027."


def test_with_invite_on_application_the_applicant_gets_their_portal_link(
    page, form_data, mailoutbox, fake_portal, django_capture_on_commit_callbacks
):
    page.invite_on_application = True
    page.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(URL, form_data())
    pledge = Pledge.objects.get()
    link = f"http://testserver/portal/t/token-{pledge.pk}/"
    assert fake_portal.invited == [(pledge.pk, "ada@acme.example", None)]
    assert link in response.text and "Open your sponsor portal" in response.text
    assert link in mailoutbox[-1].body
    assert Application.objects.get().invited


def test_without_the_mail_app_the_acknowledgement_goes_by_django_mail_and_is_still_filed(
    page, form_data, mailoutbox, no_portal, django_capture_on_commit_callbacks
):
    saved = registry._actions.pop("mail.send_template", None)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(URL, form_data())
    finally:
        if saved:
            registry.register_action("mail.send_template", saved)
    assert mailoutbox[-1].to == ["ada@acme.example"]
    assert Interaction.objects.filter(
        kind="email", summary__startswith="Acknowledgement sent: Your application"
    ).exists()


def test_an_applicant_cannot_smuggle_merge_fields_into_the_acknowledgement(
    page, form_data, mailoutbox, no_portal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, form_data(organisation="{{ sender_name }} Ltd"))
    assert "{ { sender_name } } Ltd" in mailoutbox[-1].body


def test_without_the_portal_invite_on_application_is_skipped_and_the_application_stands(
    page, form_data, mailoutbox, no_portal, django_capture_on_commit_callbacks
):
    page.invite_on_application = True
    page.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(URL, form_data())
    assert response.status_code == 200 and "sponsor portal" not in response.text.lower()
    assert Pledge.objects.count() == 1 and not Application.objects.get().invited
    assert "portal" not in mailoutbox[-1].body.lower()


def test_a_sold_out_tier_is_refused_with_nothing_written(page, tiers, form_data, organiser, no_portal):
    taker = factories.organisation(name="Big Sponsor")
    create_pledge(organisation=taker, event=page.event, tier=tiers["Headline"], stage="confirmed", user=organiser)
    before = counts()
    response = Client().post(URL, form_data(tier=str(tiers["Headline"].pk)))
    assert response.status_code == 400
    assert "The Headline package is sold out" in response.text
    assert counts() == before


def test_a_declined_pledge_gives_its_slot_back(page, tiers, form_data, organiser, no_portal):
    taker = factories.organisation(name="Big Sponsor")
    create_pledge(
        organisation=taker, event=page.event, tier=tiers["Headline"], stage="declined", lost_reason="No", user=organiser
    )
    response = Client().post(URL, form_data(tier=str(tiers["Headline"].pk)))
    assert response.status_code == 200, response.text
    assert Pledge.objects.filter(tier=tiers["Headline"], stage="verbal").count() == 1


def test_the_last_slot_taken_while_the_form_was_open_says_it_has_just_sold_out(
    page, tiers, form_data, organiser, no_portal, monkeypatch
):
    """The form's check passed, then another applicant took the slot before the service ran."""
    from publicpages import forms

    monkeypatch.setattr(forms.ApplicationForm, "clean_tier", lambda self: self.cleaned_data["tier"])
    taker = factories.organisation(name="Big Sponsor")
    create_pledge(organisation=taker, event=page.event, tier=tiers["Headline"], stage="verbal", user=organiser)
    before = counts()
    response = Client().post(URL, form_data(tier=str(tiers["Headline"].pk)))
    assert response.status_code == 409
    assert "Sorry, the Headline package has just sold out. Please choose another." in response.text
    assert counts() == before


def test_consent_is_required(page, form_data, no_portal):
    before = counts()
    response = Client().post(URL, form_data(consent=None))
    assert response.status_code == 400
    assert "Tick the box to agree that we may contact you about your application." in response.text
    assert counts() == before


def test_a_tier_of_another_event_cannot_be_chosen(page, form_data, no_portal):
    from sponsors.models import SponsorshipTier

    other = SponsorshipTier.objects.create(event=factories.event(), name="Elsewhere", price=1, slots=5)
    before = counts()
    response = Client().post(URL, form_data(tier=str(other.pk)))
    assert response.status_code == 400 and "Select a valid choice" in response.text
    assert counts() == before


def test_a_closed_form_refuses_applications(page, form_data, no_portal):
    page.application_on = False
    page.save()
    before = counts()
    response = Client().post(URL, form_data())
    assert response.status_code == 403 and "Applications for this event are closed." in response.text
    assert counts() == before
