"""Sending a pledge's agreement from the pledge page: the mail app finds the document through
crm.registry (it never imports invoicing), attaches it, sends it over real SMTP and keeps it."""

import datetime
import re
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from crm.models import Event, Interaction
from crm.registry import document, documents_for
from mail import outbound
from mail.models import EmailAttachment, EmailMessage, EmailTemplate
from sponsors.models import SponsorshipTier
from sponsors.services import create_pledge
from tests.crm import factories
from tests.mail.servers import smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge(organiser):
    event = Event.objects.create(
        name="Launch 2027",
        date=datetime.date(2027, 3, 18),
        venue="Civic Hall",
        capacity=250,
        sponsorship_target=Decimal("20000"),
    )
    tier = SponsorshipTier.objects.create(
        event=event, name="Gold", price=Decimal("2500"), ticket_allocation=4, stand=True, logo=True
    )
    org = factories.organisation(name="Leeds City Council")
    factories.contact(org, first_name="Nobody", email="")  # no address: never offered
    factories.contact(org, first_name="Priya", last_name="Shah", email="priya@leeds.example")
    factories.contact(org, first_name="Omar", email="omar@leeds.example")
    return create_pledge(
        organisation=org, event=event, tier=tier, amount=Decimal("2500"), stage="confirmed", user=organiser
    )


def send_link(client, pledge) -> str:
    page = client.get(pledge.get_absolute_url()).content.decode()
    found = re.search(r'href="([^"]*document=agreement[^"]*)"[^>]*>.*?Send the agreement by email', page, re.DOTALL)
    return unescape(found.group(1)) if found else ""


def smtp(settings, port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


def test_invoicing_registers_the_agreement_and_the_invoice(pledge):
    agreement = document("sponsors.pledge", "agreement")
    assert agreement.label == "Sponsorship agreement (PDF)" and agreement.available(pledge)
    name, content, mimetype = agreement.render(pledge)
    assert name == f"agreement-leeds-city-council-{pledge.pk}.pdf" and mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    assert [d.name for d in documents_for("invoicing.invoice")] == ["invoice"]
    pledge.stage = "declined"
    assert not agreement.available(pledge)


def test_the_invoice_document_renders_the_invoice_pdf(pledge, organiser):
    from invoicing.services import raise_invoice

    invoice = raise_invoice(pledge, po="PO-7", user=organiser)
    name, content, _ = document("invoicing.invoice", "invoice").render(invoice)
    assert name == f"{invoice.number}.pdf" and content.startswith(b"%PDF")


def test_send_the_agreement_from_the_pledge_page_through_real_smtp(client, organiser, pledge, settings):
    organiser.email = "olivia@network.example"
    organiser.save()
    client.force_login(organiser)
    link = send_link(client, pledge)
    template = EmailTemplate.objects.get(name="Sponsorship agreement")  # seeded, editable
    assert f"template={template.pk}" in link and f"pledge={pledge.pk}" in link
    compose = client.get(link).content.decode()
    assert 'name="document" value="agreement" id="id_document_agreement" checked' in compose
    assert "Sponsorship agreement (PDF)" in compose
    assert re.search(r'<option value="\d+" selected>Priya Shah', compose)  # the first contact with an address
    assert "Nobody" not in compose
    priya = pledge.organisation.contacts.get(first_name="Priya")
    data = {"contact": priya.pk, "subject": template.subject, "body": template.body, "document": "agreement"}
    preview = client.post(link, {**data, "preview": "1"}).content.decode()
    filename = f"agreement-leeds-city-council-{pledge.pk}.pdf"
    assert "Sponsorship agreement: Launch 2027" in preview and "Dear Priya," in preview and filename in preview
    assert not EmailMessage.objects.exists()
    with smtp_server() as (inbox, port):
        smtp(settings, port)
        response = client.post(link, {**data, "send": "1"})
    assert response.status_code == 302 and response["Location"] == pledge.get_absolute_url()
    [received] = inbox.messages
    assert received["To"] == "priya@leeds.example" and received["Subject"] == "Sponsorship agreement: Launch 2027"
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == filename and attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    # Kept with the message, as a received attachment is: listed on the message page and served.
    message = EmailMessage.objects.get()
    assert message.direction == "outbound" and received["Message-ID"] == message.message_id
    stored = message.attachments.get()
    assert (stored.filename, stored.content_type) == (filename, "application/pdf")
    with stored.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF")
    assert Interaction.objects.get(contact=priya).direction == "outbound"
    page = client.get(message.get_absolute_url()).content.decode()
    assert filename in page and stored.get_absolute_url() in page
    download = client.get(stored.get_absolute_url())
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    timeline = client.get(priya.get_absolute_url()).content.decode()
    assert "1 attachment" in timeline


def test_the_organiser_can_remove_the_attachment(client, organiser, pledge):
    client.force_login(organiser)
    link = send_link(client, pledge)
    priya = pledge.organisation.contacts.get(first_name="Priya")
    data = {"contact": priya.pk, "subject": "Agreement", "body": "Dear Priya, it follows by post."}  # unticked
    preview = client.post(link, {**data, "preview": "1"}).content.decode()
    assert "agreement-leeds" not in preview and "No attachments." in preview
    client.post(link, {**data, "send": "1"})
    [sent] = django_mail.outbox
    assert sent.attachments == [] and not EmailAttachment.objects.exists()


def test_a_declined_pledge_has_no_agreement_to_send(client, organiser, pledge):
    from sponsors.services import move_pledge

    move_pledge(pledge, "declined", user=organiser, reason="No budget")
    client.force_login(organiser)
    assert send_link(client, pledge) == ""
    url = reverse("mail:compose") + f"?pledge={pledge.pk}&document=agreement"
    page = client.get(url).content.decode()
    assert "Sponsorship agreement (PDF) cannot be sent: the pledge is declined." in page
    assert 'id="id_document_agreement"' not in page
    priya = pledge.organisation.contacts.get(first_name="Priya")
    response = client.post(
        url, {"contact": priya.pk, "subject": "Hi", "body": "Hello", "document": "agreement", "send": "1"}
    )
    assert response.status_code == 400 and "cannot be sent" in response.content.decode()
    assert not django_mail.outbox and not EmailMessage.objects.exists() and not Interaction.objects.exists()


def test_a_forged_document_name_is_refused_and_nothing_is_sent(client, organiser, pledge):
    client.force_login(organiser)
    priya = pledge.organisation.contacts.get(first_name="Priya")
    url = reverse("mail:compose") + f"?pledge={pledge.pk}"
    response = client.post(
        url,
        {
            "contact": priya.pk,
            "subject": "Hi",
            "body": "Hello",
            "document": ["agreement", "../../settings.py"],
            "send": "1",
        },
    )
    assert response.status_code == 400
    assert "There is no document “../../settings.py” to attach here." in unescape(response.content.decode())
    assert not django_mail.outbox and not EmailMessage.objects.exists()


def test_a_contact_without_an_email_address_gets_nothing(client, organiser, pledge):
    client.force_login(organiser)
    nobody = pledge.organisation.contacts.get(first_name="Nobody")
    url = reverse("mail:compose") + f"?pledge={pledge.pk}&document=agreement"
    response = client.post(
        url, {"contact": nobody.pk, "subject": "Hi", "body": "Hello", "document": "agreement", "send": "1"}
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    with pytest.raises(Exception, match="has no email address"):
        outbound.send_to_contact(
            user=organiser,
            contact=nobody,
            subject="Hi",
            body="Hello",
            attachments=[("a.pdf", b"%PDF-1.7", "application/pdf")],
        )
    assert not django_mail.outbox and not EmailMessage.objects.exists()


def test_no_send_button_when_no_contact_has_an_address(client, organiser, pledge):
    pledge.organisation.contacts.update(email="")
    client.force_login(organiser)
    assert send_link(client, pledge) == ""
    page = client.get(reverse("mail:compose") + f"?pledge={pledge.pk}&document=agreement").content.decode()
    assert "Nobody to write to here" in page


def test_a_refused_send_keeps_neither_the_message_nor_its_file(client, organiser, pledge, settings, media_root):
    client.force_login(organiser)
    link = send_link(client, pledge)
    priya = pledge.organisation.contacts.get(first_name="Priya")
    with smtp_server() as (inbox, port):
        inbox.refuse.add("priya@leeds.example")
        smtp(settings, port)
        response = client.post(
            link,
            {"contact": priya.pk, "subject": "Agreement", "body": "Attached.", "document": "agreement", "send": "1"},
        )
    assert response.status_code == 400 and "did not accept" in response.content.decode()
    assert not EmailMessage.objects.exists() and not EmailAttachment.objects.exists()
    assert not Interaction.objects.exists()
    assert not [p for p in Path(media_root).rglob("*") if p.is_file()]


def test_only_people_who_may_send_see_the_button(client, committee, staff, pledge):
    for user in (committee, staff):
        client.force_login(user)
        assert send_link(client, pledge) == ""
        assert client.get(reverse("mail:compose") + f"?pledge={pledge.pk}&document=agreement").status_code == 403


def test_an_empty_or_oversized_attachment_is_refused(organiser, pledge, settings):
    priya = pledge.organisation.contacts.get(first_name="Priya")
    settings.MAIL_ATTACHMENT_MAX_BYTES = 10
    for files, problem in (
        ([("a.pdf", b"", "application/pdf")], "is empty"),
        ([("a.pdf", b"%PDF-" + b"x" * 20, "application/pdf")], "the limit is"),
    ):
        with pytest.raises(Exception, match=problem):
            outbound.send_to_contact(user=organiser, contact=priya, subject="Hi", body="Hello", attachments=files)
    assert not django_mail.outbox and not EmailMessage.objects.exists()


def test_the_pledge_panel_reads_in_a_fixed_number_of_queries(rf, organiser, pledge):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mail.hooks import _pledge_panel

    request = rf.get("/")
    request.user = organiser
    organiser.has_perm("sponsors.view_pledge")  # permissions cached, as on a page
    with CaptureQueriesContext(connection) as queries:
        panel = _pledge_panel(pledge, request)
    assert len(queries) == 3 and [s["name"] for s in panel["sends"]] == ["agreement"]  # not invoiced yet


def test_send_the_invoice_from_the_pledge_page_through_real_smtp(client, organiser, pledge, settings):
    """Once invoiced, the pledge offers its invoice too, with the seeded "Sponsorship invoice" template."""
    from invoicing.services import raise_invoice

    invoice = raise_invoice(pledge, po="PO-4471", user=organiser)
    client.force_login(organiser)
    page = client.get(pledge.get_absolute_url()).content.decode()
    found = re.search(r'href="([^"]*document=invoice[^"]*)"[^>]*>.*?Send the invoice by email', page, re.DOTALL)
    link = unescape(found.group(1))
    template = EmailTemplate.objects.get(name="Sponsorship invoice")  # seeded by mail 0003, editable
    assert f"template={template.pk}" in link
    compose = client.get(link).content.decode()
    assert 'name="document" value="invoice" id="id_document_invoice" checked' in compose
    assert "about Leeds City Council’s pledge to Launch 2027" in compose
    priya = pledge.organisation.contacts.get(first_name="Priya")
    data = {"contact": priya.pk, "subject": template.subject, "body": template.body, "document": "invoice"}
    with smtp_server() as (inbox, port):
        smtp(settings, port)
        response = client.post(link, {**data, "send": "1"})
    assert response.status_code == 302
    [received] = inbox.messages
    assert received["Subject"] == "Invoice for your sponsorship of Launch 2027"
    assert "Leeds City Council's sponsorship of Launch 2027 (£2,500)" in received.get_body().get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == f"{invoice.number}.pdf" and attachment.get_content().startswith(b"%PDF")
