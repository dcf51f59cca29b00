"""The organiser's side: panel, void, logo review, What is missing and reminders, guest export,
the API's portal state, personal data (subject access, erasure, retention) and the demo step."""

import datetime
import io

import pytest
from django.core import mail
from django.utils import timezone

from crm import registry
from crm.models import Contact
from portal import demo, selectors, services
from portal.models import Guest, LogoSubmission, PortalLink, SignedAgreement
from sponsors.models import Pledge
from sponsors.services import create_pledge
from tests.crm import factories
from tests.portal.conftest import png_bytes

pytestmark = pytest.mark.django_db


def signed(link):
    return services.sign(link, name="Ada Lovelace", title="Director", authorised=True, ip="203.0.113.9")


def test_the_pledge_panel_shows_the_portal_state(client, organiser, pledge, link):
    signed(link)
    services.submit_logo(link, png_bytes(), "acme.png")
    client.force_login(organiser)
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert 'data-testid="portal-panel"' in page
    assert "Signed by Ada Lovelace (Director)" in page and "acme.png" in page and "Waiting for approval" in page
    assert "Approve" in page and "Void…" in page


def test_the_committee_sees_the_panel_without_buttons(client, committee, pledge, link):
    client.force_login(committee)
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert (
        'data-testid="portal-panel"' in page
        and "Invite to the sponsor portal" not in page
        and "Invite again" not in page
        and "Revoke link" not in page
    )


def test_voiding_from_the_page_needs_a_reason(client, organiser, pledge, link):
    agreement = signed(link)
    client.force_login(organiser)
    response = client.post(f"/portal/agreements/{agreement.pk}/void/", {"reason": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = client.post(f"/portal/agreements/{agreement.pk}/void/", {"reason": "Amount was wrong"})
    assert response.status_code == 302
    assert SignedAgreement.objects.get().voided_reason == "Amount was wrong"


def test_rejecting_a_logo_shows_the_note_to_the_sponsor(client, organiser, link, token):
    logo = services.submit_logo(link, png_bytes(), "acme.png")
    client.force_login(organiser)
    response = client.post(
        f"/portal/logos/{logo.pk}/review/", {"decision": "reject", "note": "Needs a transparent background"}
    )
    assert response.status_code == 302
    assert LogoSubmission.objects.get().status == "rejected"
    from django.test import Client

    page = Client().get(f"/portal/{link.pledge_id}/{token}/").content.decode()
    assert "Rejected" in page and "Needs a transparent background" in page


def test_what_is_missing_and_reminders_honour_do_not_contact(client, organiser, pledge, link, event, tier):
    signed(link)
    quiet = factories.organisation(name="Quiet plc")
    factories.contact(quiet, email="quiet@quiet.example", do_not_contact=True)
    create_pledge(organisation=quiet, event=event, tier=tier, stage="verbal")
    create_pledge(organisation=factories.organisation(name="Early Ltd"), event=event, amount=1, stage="approached")
    client.force_login(organiser)
    page = client.get(f"/events/{event.pk}/sponsor-portal/").content.decode()
    assert "Acme Digital" in page and "Quiet plc" in page and "Early Ltd" not in page
    assert "a purchase-order number, a logo, the names of your guests" in page  # Acme: signed, the rest missing
    response = client.post(f"/events/{event.pk}/sponsor-portal/remind/", {"pledge": "all"}, follow=True)
    text = response.content.decode()
    assert "Sent 1 reminder." in text and "Quiet plc" in text and "do not contact" in text
    assert [m.to for m in mail.outbox] == [["ada@acme.example"]]
    assert "a purchase-order number" in mail.outbox[0].body and "/portal/" in mail.outbox[0].body
    assert PortalLink.objects.filter(pledge=pledge, revoked_at__isnull=True).count() == 1


def test_what_is_missing_reads_in_constant_queries(client, organiser, event, tier, django_assert_max_num_queries):
    for i in range(8):
        org = factories.organisation(name=f"Sponsor {i}")
        factories.contact(org, email=f"s{i}@s.example")
        p = create_pledge(organisation=org, event=event, tier=tier, stage="verbal")
        services.create_link(p)
    client.force_login(organiser)
    with django_assert_max_num_queries(20):
        assert client.get(f"/events/{event.pk}/sponsor-portal/").status_code == 200


def test_the_guest_export_is_formula_safe(client, organiser, link, event):
    services.save_guests(link, [{"name": '=HYPERLINK("http://x")', "email": "a@x.example", "dietary": "+vegan"}])
    client.force_login(organiser)
    csv = client.get(f"/events/{event.pk}/sponsor-portal/guests.csv").content.decode()
    assert "'=HYPERLINK" in csv and "'+vegan" in csv and "Acme Digital" in csv
    xlsx = client.get(f"/events/{event.pk}/sponsor-portal/guests.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [c.value for c in sheet[2]]
    assert values[1] == '\'=HYPERLINK("http://x")' and sheet.cell(2, 2).data_type == "s"


def test_the_pledge_api_shows_the_portal_state_in_constant_queries(
    client, organiser, pledge, link, event, django_assert_max_num_queries
):
    signed(link)
    for _i in range(5):
        create_pledge(organisation=factories.organisation(), event=event, amount=10, stage="verbal")
    client.force_login(organiser)
    detail = client.get(f"/api/pledges/{pledge.pk}/").json()
    assert detail["portal"]["signed"] is True and detail["portal"]["invited_at"]
    with django_assert_max_num_queries(20):
        listing = client.get("/api/pledges/").json()
    by_id = {row["id"]: row["portal"] for row in listing["results"]}
    assert by_id[pledge.pk]["signed"] is True
    assert sum(1 for v in by_id.values() if v and v["invited_at"]) == 1


def test_webhook_events_are_published(pledge, link, django_capture_on_commit_callbacks):
    seen = []
    registry.register_event_listener("test-portal", lambda event, data: seen.append((event, data())))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            signed(link)
            services.save_assets(link, description="Hello", website="")
            services.save_guests(link, [{"name": "A", "email": "a@x.example"}])
    finally:
        registry._event_listeners.pop("test-portal")
    names = [event for event, _ in seen]
    assert names == ["agreement.signed", "asset.submitted", "guests.changed"]
    assert seen[0][1]["pledge"] == pledge.pk and "signer_name" in seen[0][1]
    assert seen[2][1] == {"pledge": pledge.pk, "guests": 1}


def test_subject_access_and_erasure_of_a_signer_and_a_guest(organiser, pledge, link):
    from privacy.selectors import subject_access
    from privacy.services import erase_contact

    agreement = signed(link)
    ada = Contact.objects.get(email="ada@acme.example")
    services.save_guests(link, [{"name": "Ada Lovelace", "email": "ADA@acme.example", "dietary": "Vegan"}])
    document = subject_access(ada.pk)
    rows = document["sponsor_portal"]
    assert {r["kind"] for r in rows} == {"Guest of a sponsor", "Signed sponsorship agreement"}
    erase_contact(ada, user=organiser, reason="Asked")
    agreement.refresh_from_db()
    assert agreement.signer_name == f"Erased person #{ada.pk}" and agreement.signer_email == ""
    assert agreement.sha256 and agreement.signed_at and bytes(agreement.pdf) == b"" and agreement.erased_at
    assert not Guest.objects.exists()
    assert not SignedAgreement.history.filter(signer_name="Ada Lovelace").exists()
    assert not Guest.history.filter(name="Ada Lovelace").exists()


def test_guests_past_retention_appear_in_the_report(client, organiser, link, event, settings):
    settings.PORTAL_GUEST_RETENTION_DAYS = 30
    services.save_guests(link, [{"name": "A", "email": "a@x.example"}])
    client.force_login(organiser)
    event.date = timezone.localdate() - datetime.timedelta(days=29)
    event.save()
    assert "Guests named by sponsors" not in client.get("/privacy/retention/").content.decode()
    event.date = timezone.localdate() - datetime.timedelta(days=31)
    event.save()
    page = client.get("/privacy/retention/").content.decode()
    assert "Guests named by sponsors of Launch 2027" in page
    response = client.post(f"/portal/events/{event.pk}/guests/delete/")
    assert response.status_code == 302 and not Guest.objects.exists()


def test_the_demo_step_invites_one_and_signs_one_with_an_approved_logo(event, tier, organiser):
    for name in ("Alpha Ltd", "Beta Ltd"):
        org = factories.organisation(name=name)
        factories.contact(org, email=f"x@{name[:4].lower()}.example", job_title="CEO")
        create_pledge(organisation=org, event=event, tier=tier, stage="verbal")
    demo.run(today=timezone.localdate())
    assert PortalLink.objects.count() == 2
    agreement = SignedAgreement.objects.get()
    assert Pledge.objects.get(pk=agreement.pledge_id).stage == "confirmed"
    assert LogoSubmission.objects.get().status == "approved"
    presence = selectors.presence([agreement.pledge_id])[agreement.pledge_id]
    assert presence["signed"] and presence["logo"]
