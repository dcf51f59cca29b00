"""The portal's writes: invitation, links, signature, billing, assets, guests, reminders."""

import datetime
import hashlib
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from pypdf import PdfReader

from crm import registry
from crm.models import FollowUp
from portal import selectors, services
from portal.models import BillingDetails, Guest, PortalLink, SignedAgreement
from sponsors.models import BenefitDelivery, Pledge, PledgeStageChange, TicketAllocation
from sponsors.services import allocate_tickets, create_pledge, move_pledge
from tests.crm import factories
from tests.portal.conftest import CLEAN_SVG, png_bytes

pytestmark = pytest.mark.django_db


def test_invite_emails_a_personal_link_and_stores_only_its_hash(pledge, organiser):
    url = services.invite(pledge, user=organiser)
    token = re.fullmatch(rf"https://crm\.example\.org/portal/{pledge.pk}/([A-Za-z0-9_-]+)/", url).group(1)
    assert len(token) >= 43  # 32 random bytes, base64: 256 bits
    link = PortalLink.objects.get(pledge=pledge)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(PortalLink.objects.values_list()[:])
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@acme.example"]
    assert url in mail.outbox[0].body and "Dear Ada" in mail.outbox[0].body
    assert link.expires_at - link.created_at == datetime.timedelta(days=60)


def test_the_invitation_uses_the_organisers_edited_template(pledge, organiser):
    from mail.models import EmailTemplate

    EmailTemplate.objects.create(
        name=services.INVITE_TEMPLATE, subject="Over to you, {{ organisation }}", body="Here: {{ portal_link }}"
    )
    url = services.invite(pledge, user=organiser)
    assert mail.outbox[0].subject == "Over to you, Acme Digital" and mail.outbox[0].body == f"Here: {url}"


def test_inviting_again_revokes_the_older_link(pledge):
    first = services.invite(pledge)
    services.invite(pledge)
    old = first.rstrip("/").rsplit("/", 1)[1]
    assert services.find_link(pledge.pk, old) is None
    assert PortalLink.objects.filter(pledge=pledge, revoked_at__isnull=True).count() == 1


def test_link_days_come_from_the_setting(pledge, settings):
    settings.PORTAL_LINK_DAYS = 7
    link, _ = services.create_link(pledge)
    assert link.expires_at - link.created_at == datetime.timedelta(days=7)


@pytest.mark.parametrize("stage", ["prospect", "approached", "in_discussion"])
def test_only_a_verbal_pledge_or_firmer_is_invited(pledge, stage):
    Pledge.objects.filter(pk=pledge.pk).update(stage=stage)
    with pytest.raises(ValidationError, match="verbal pledge or firmer"):
        services.invite(pledge)
    assert not PortalLink.objects.exists() and not mail.outbox


def test_an_unknown_address_or_a_do_not_contact_person_is_refused(pledge, sponsor):
    with pytest.raises(ValidationError, match="Nobody in the CRM has the address"):
        services.invite(pledge, email="stranger@else.example")
    factories.contact(sponsor, email="quiet@acme.example", do_not_contact=True)
    with pytest.raises(ValidationError, match="do not contact"):
        services.invite(pledge, email="quiet@acme.example")
    assert not PortalLink.objects.exists() and not mail.outbox


def test_portal_invite_command_prints_the_link_alone_on_its_last_line(pledge, sponsor, capsys):
    factories.contact(sponsor, email="finance@acme.example")
    call_command("portal_invite", str(pledge.pk), "--email", "finance@acme.example")
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(rf"https://crm\.example\.org/portal/{pledge.pk}/[A-Za-z0-9_-]{{43}}/", last)
    assert mail.outbox[0].to == ["finance@acme.example"]


def test_the_actions_offered_to_other_apps(pledge):
    url = registry.action("portal.invite")(pledge, email=None, user=None)
    assert url.startswith(f"https://crm.example.org/portal/{pledge.pk}/")
    assert registry.action("portal.sponsor_presence")([pledge.pk]) == {}


def test_revoked_expired_unknown_and_other_pledge_tokens_find_nothing(pledge, link, token, sponsor, event):
    assert services.find_link(pledge.pk, token) == link
    other = create_pledge(organisation=sponsor, event=event, amount=1, stage="verbal")
    assert services.find_link(other.pk, token) is None
    assert services.find_link(pledge.pk, token + "x") is None
    assert services.find_link(pledge.pk, "") is None
    later = link.expires_at + datetime.timedelta(seconds=1)
    assert services.find_link(pledge.pk, token, now=later) is None
    services.revoke(pledge)
    assert services.find_link(pledge.pk, token) is None


def sign(link, **kw):
    values = {"name": "Ada Lovelace", "title": "Director", "authorised": True, "ip": "203.0.113.9"} | kw
    return services.sign(link, **values)


def test_signing_stores_the_exact_pdf_with_a_final_page_and_confirms_the_pledge(pledge, link):
    document = services.agreement_pdf(pledge)
    agreement = sign(link)
    stored = bytes(agreement.pdf)
    assert hashlib.sha256(stored).hexdigest() == agreement.sha256
    reader = PdfReader(io.BytesIO(stored))
    original = PdfReader(io.BytesIO(document))
    assert len(reader.pages) == len(original.pages) + 1
    last = reader.pages[-1].extract_text()
    for text in ("Ada Lovelace", "Director", "ada@acme.example", "203.0.113.9", agreement.document_sha256):
        assert text in last.replace("\n", "")
    assert agreement.document_sha256 == hashlib.sha256(document).hexdigest()
    pledge.refresh_from_db()
    assert pledge.stage == "confirmed"
    change = PledgeStageChange.objects.filter(pledge=pledge).first()
    assert change.to_stage == "confirmed" and change.changed_by is None and "via the sponsor portal" in change.note


def test_a_signed_agreement_cannot_be_signed_again(pledge, link):
    sign(link)
    with pytest.raises(ValidationError, match="already been signed"):
        sign(link, name="Someone Else")
    assert SignedAgreement.objects.count() == 1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": ""}, "name"),
        ({"title": " "}, "title"),
        ({"authorised": False}, "authorised"),
        ({"name": "Ada\x00"}, "name"),
        ({"email": "not-an-address"}, "email"),
    ],
)
def test_an_incomplete_acceptance_is_refused_and_nothing_is_written(pledge, link, changes, field):
    with pytest.raises(ValidationError) as error:
        sign(link, **changes)
    assert field in error.value.message_dict
    assert not SignedAgreement.objects.exists()
    pledge.refresh_from_db()
    assert pledge.stage == "verbal"


def test_voiding_needs_a_reason_and_lets_a_new_agreement_be_signed(pledge, link, organiser):
    agreement = sign(link)
    with pytest.raises(ValidationError, match="Say why"):
        services.void_agreement(agreement, reason=" ", user=organiser)
    services.void_agreement(agreement, reason="Wrong amount", user=organiser)
    agreement.refresh_from_db()
    assert agreement.voided_at and agreement.voided_reason == "Wrong amount" and bytes(agreement.pdf)
    second = sign(link, name="Grace Hopper")
    assert second.pk != agreement.pk
    assert agreement.history.count() == 2  # created, voided


def test_a_declined_pledges_portal_is_read_only(pledge, link):
    move_pledge(pledge, "declined", reason="Budget cut")
    with pytest.raises(ValidationError, match="declined"):
        sign(link)
    with pytest.raises(ValidationError, match="declined"):
        services.save_billing(link, billing_contact="A", billing_email="a@b.example", billing_address="1 St")


def billing(link, **kw):
    values = {
        "billing_contact": "Accounts Team",
        "billing_email": "accounts@acme.example",
        "billing_address": "1 High Street\nLeeds",
        "po_number": "PO-778",
    } | kw
    return services.save_billing(link, **values)


@pytest.mark.parametrize("po", ["PO\t1", "PO\n1", "PO\x1b1", "PO\x851"])
def test_a_po_with_control_characters_is_refused(link, po):
    with pytest.raises(ValidationError) as error:
        billing(link, po_number=po)
    assert "control characters" in error.value.message_dict["po_number"][0]
    assert not BillingDetails.objects.exists()


def test_a_po_without_the_setting_gives_the_owner_a_follow_up(pledge, link, organiser):
    sign(link)
    result = billing(link)
    assert result.invoice_number == ""
    followup = FollowUp.objects.get(pledge=pledge)
    assert followup.assignee == organiser and "PO-778" in followup.title
    billing(link)  # the same again: no second follow-up
    assert FollowUp.objects.filter(pledge=pledge).count() == 1


def test_a_po_with_the_setting_on_raises_the_invoice(pledge, link):
    row = services.portal_settings()
    row.raise_invoice_on_po = True
    row.save()
    sign(link)
    result = billing(link)
    assert result.invoice_number == "INV-0001"
    invoice = pledge.invoices.get()
    assert invoice.po_number == "PO-778" and invoice.billing_email == "accounts@acme.example"
    pledge.refresh_from_db()
    assert pledge.stage == "invoiced"


def test_a_po_before_signing_raises_the_invoice_at_signing(pledge, link):
    row = services.portal_settings()
    row.raise_invoice_on_po = True
    row.save()
    billing(link)
    assert not pledge.invoices.exists()
    sign(link)
    assert pledge.invoices.get().po_number == "PO-778"


def test_assets_tick_the_benefits_and_tell_the_owner(pledge, link):
    services.save_assets(
        link,
        description="We build things.",
        website="acme.example",
        speaker_name="Ada",
        talk_title="Engines",
        stand_needs="A power socket",
    )
    ticked = set(BenefitDelivery.objects.filter(pledge=pledge, delivered=True).values_list("benefit", flat=True))
    assert ticked == {"Speaking slot", "Exhibition stand"}
    assert FollowUp.objects.filter(pledge=pledge, title__startswith="Check the details").exists()
    assert pledge.portal_assets.website == "https://acme.example"


def test_a_description_over_the_word_limit_is_refused(link):
    with pytest.raises(ValidationError, match="151 words long; the limit is 150"):
        services.save_assets(link, description="word " * 151)


def test_a_logo_is_stored_renamed_and_waits_for_approval(pledge, link, organiser):
    logo = services.submit_logo(link, png_bytes(), "../../etc/passwd.png")
    assert logo.status == "submitted" and logo.width == 600
    assert "passwd" not in logo.file.name and logo.file.name.startswith("portal/logos/")
    assert BenefitDelivery.objects.get(pledge=pledge, benefit="Logo on event materials").delivered
    with pytest.raises(ValidationError, match="why"):
        services.review_logo(logo, approve=False, note="", user=organiser)
    services.review_logo(logo, approve=True, user=organiser)
    presence = selectors.presence([pledge.pk])[pledge.pk]
    assert presence["logo"] == logo.file.name and presence["logo_is_svg"] is False


def test_a_logo_whose_submission_fails_after_storing_leaves_no_file_behind(pledge, link, settings, monkeypatch):
    def mail_server_down(*args, **kwargs):
        raise ConnectionRefusedError("the follow-up could not be made")

    monkeypatch.setattr(services, "_tell_owner", mail_server_down)
    with pytest.raises(ConnectionRefusedError):
        services.submit_logo(link, png_bytes(), "logo.png")
    assert not pledge.portal_logos.exists()
    assert [p for p in (settings.MEDIA_ROOT / "portal").rglob("*") if p.is_file()] == []


def test_presence_shows_only_public_fields_in_constant_queries(django_assert_max_num_queries, event, organiser):
    ids = []
    for i in range(6):
        org = factories.organisation(name=f"Sponsor {i}")
        factories.contact(org, email=f"c{i}@s{i}.example")
        p = create_pledge(organisation=org, event=event, amount=100, stage="verbal")
        link, _ = services.create_link(p)
        sign(link)
        logo = services.submit_logo(link, CLEAN_SVG, "logo.svg")
        services.review_logo(logo, approve=True, user=organiser)
        services.save_assets(link, description=f"Sponsor {i}", website=f"https://s{i}.example")
        services.save_guests(link, [])
        ids.append(p.pk)
    with django_assert_max_num_queries(3):
        presence = selectors.presence(ids)
    assert set(presence) == set(ids)
    one = presence[ids[0]]
    assert set(one) == {"signed", "logo", "logo_is_svg", "description", "website"}
    assert one["signed"] and one["logo_is_svg"] and one["description"] == "Sponsor 0"


def guests(n):
    return [{"name": f"Guest {i}", "email": f"g{i}@acme.example"} for i in range(n)]


def test_guests_within_the_allocation_and_claimed_counts_them(pledge, link):
    services.save_guests(link, guests(3))
    assert Guest.objects.filter(pledge=pledge).count() == 3
    tickets = TicketAllocation.objects.get(pledge=pledge)
    assert (tickets.allocated, tickets.claimed) == (4, 3)
    services.save_guests(link, guests(1))
    assert TicketAllocation.objects.get(pledge=pledge).claimed == 1


def test_more_guests_than_the_allocation_are_refused_and_nothing_changes(pledge, link):
    services.save_guests(link, guests(2))
    with pytest.raises(ValidationError, match="named 5 guests; your sponsorship includes 4 tickets"):
        services.save_guests(link, guests(5))
    assert Guest.objects.filter(pledge=pledge).count() == 2


def test_guest_rows_with_mistakes_say_which_row(link):
    rows = [{"name": "A", "email": "a@x.example"}, {"name": "", "email": "nope"}, {"name": "C", "email": "A@x.example"}]
    with pytest.raises(ValidationError) as error:
        services.save_guests(link, rows)
    text = " ".join(error.value.message_dict["guests"])
    assert "Guest 2: Give the guest's name." in text and "Guest 3" in text and "already given" in text
    assert not Guest.objects.exists()


def test_no_seat_left_in_the_event_is_refused(pledge, link, event, sponsor):
    event.capacity = 5
    event.save()
    other = create_pledge(organisation=factories.organisation(), event=event, amount=1, stage="verbal")
    allocate_tickets(other, allocated=3)
    with pytest.raises(ValidationError, match="is full"):
        services.save_guests(link, guests(1))
    assert not Guest.objects.exists()
