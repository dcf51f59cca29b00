"""Erasure removes a person's emails and attachment files; subject access lists them."""

import os

import pytest

from crm.models import Interaction
from crm.registry import erasure_hooks, subject_access_sections
from mail import parsing
from mail.models import EmailAttachment, EmailMessage
from mail.services import erase_contact_emails, file_parsed, subject_access_rows
from tests.crm import factories
from tests.mail.conftest import build

pytestmark = pytest.mark.django_db


def test_hooks_are_registered():
    assert erase_contact_emails in erasure_hooks()
    assert subject_access_sections()["emails"] is subject_access_rows


def test_erasure_deletes_their_emails_and_files_but_not_a_shared_message(organiser, django_capture_on_commit_callbacks):
    organiser.email = "olivia@network.example"
    organiser.save()
    org = factories.organisation()
    sam = factories.contact(org, email="sam@acme.example")
    kim = factories.contact(org, email="kim@acme.example")
    file_parsed(
        parsing.parse_bytes(
            build(
                sender="sam@acme.example",
                message_id="<own@x>",
                attachments=[("cv.pdf", b"%PDF-sam", "application/pdf")],
            )
        )
    )
    file_parsed(
        parsing.parse_bytes(
            build(sender="olivia@network.example", to="sam@acme.example, kim@acme.example", message_id="<shared@x>")
        )
    )
    file_parsed(parsing.parse_bytes(build(sender="sam@acme.example", message_id="<waiting@x>")))  # filed too
    path = EmailAttachment.objects.get().file.path
    assert os.path.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        erase_contact_emails(sam, organiser)
    assert not Interaction.objects.filter(contact=sam).exists()
    assert Interaction.objects.filter(contact=kim).count() == 1
    assert set(EmailMessage.objects.values_list("message_id", flat=True)) == {"<shared@x>"}
    assert not os.path.exists(path)


def test_erasure_also_removes_their_messages_waiting_for_triage(organiser):
    file_parsed(parsing.parse_bytes(build(sender="nina@newco.example")))
    nina = factories.contact(email="nina@newco.example")
    assert erase_contact_emails(nina, organiser) == 1
    assert not EmailMessage.objects.exists()


def test_subject_access_lists_each_email_with_text_and_attachment_names():
    sam = factories.contact(email="sam@acme.example")
    file_parsed(
        parsing.parse_bytes(
            build(
                sender="sam@acme.example",
                subject="Gold",
                body="We accept",
                attachments=[("deck.pdf", b"%PDF", "application/pdf")],
            )
        )
    )
    [row] = subject_access_rows(sam)
    assert (row["subject"], row["direction"], row["from"], row["attachments"]) == (
        "Gold",
        "inbound",
        "sam@acme.example",
        ["deck.pdf"],
    )
    assert "We accept" in row["text"]


def test_a_message_interrupted_while_being_sent_to_them_is_in_their_access_and_erasure(organiser):
    """Never filed (its send was not known to succeed), it still holds their address and words."""
    from mail import outbound

    sam = factories.contact(email="Sam@Acme.example")
    other = factories.contact(email="other@acme.example")
    left = outbound._record(
        user=organiser,
        contact=sam,
        subject="Your agreement",
        body="Attached.",
        message_id="<left@crm>",
        status=EmailMessage.Status.SENDING,
    )
    outbound._record(
        user=organiser, contact=other, subject="Not theirs", body="x", message_id="<other@crm>", status="sending"
    )
    assert [row["subject"] for row in subject_access_rows(sam)] == ["Your agreement"]
    assert erase_contact_emails(sam, organiser) == 1
    assert not EmailMessage.objects.filter(pk=left.pk).exists()
    assert EmailMessage.objects.filter(message_id="<other@crm>").exists()
