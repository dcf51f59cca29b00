"""The email pages as people use them: triage, a message, downloads, the drop zone, the timeline."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import Contact, Interaction
from crm.selectors.timeline import organisation_timeline
from mail import parsing
from mail.models import EmailAttachment
from mail.services import file_parsed
from tests.crm import factories
from tests.mail.conftest import build

pytestmark = pytest.mark.django_db


def waiting(**kw):
    kw.setdefault("sender", "Nina New <nina@newco.example>")
    return file_parsed(parsing.parse_bytes(build(**kw)))[1]


def test_triage_lists_waiting_messages_in_constant_queries(client, organiser, django_assert_max_num_queries):
    client.force_login(organiser)
    for i in range(3):
        waiting(subject=f"Hello {i}", attachments=[("a.txt", b"hi", "text/plain")])
    with django_assert_max_num_queries(12) as small:
        response = client.get(reverse("mail:triage"))
    assert response.status_code == 200 and "Hello 2" in response.content.decode()
    for i in range(3, 30):
        waiting(subject=f"Hello {i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("mail:triage"))


def test_filing_a_waiting_message_on_a_contact(client, staff):
    contact = factories.contact(factories.organisation(), first_name="Nina", email="nina@other.example")
    message = waiting()
    client.force_login(staff)
    page = client.get(reverse("mail:message_detail", args=[message.pk]), {"q": "Nina"}).content.decode()
    assert "File here" in page
    response = client.post(reverse("mail:message_file", args=[message.pk]), {"contact": contact.pk})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == "filed"
    assert Interaction.objects.get().contact == contact
    response = client.post(reverse("mail:message_file", args=[message.pk]), {"contact": contact.pk}, follow=True)
    assert "already filed" in response.content.decode()
    assert Interaction.objects.count() == 1


def test_creating_the_contact_from_a_message_in_one_step(client, organiser):
    message = waiting()
    client.force_login(organiser)
    response = client.post(
        reverse("mail:message_create_contact", args=[message.pk]),
        {"first_name": "Nina", "last_name": "New", "email": "nina@newco.example"},
    )
    assert response.status_code == 302
    contact = Contact.objects.get(email="nina@newco.example")
    assert contact.first_name == "Nina" and contact.source == "Email"
    assert Interaction.objects.get().contact == contact


def test_creating_a_contact_that_exists_says_so_and_changes_nothing(client, organiser):
    message = waiting()
    factories.contact(email="nina@newco.example")  # added by someone else meanwhile
    client.force_login(organiser)
    response = client.post(
        reverse("mail:message_create_contact", args=[message.pk]), {"email": "NINA@newco.example"}, follow=True
    )
    assert "already exists" in response.content.decode()
    assert Contact.objects.count() == 1 and not Interaction.objects.exists()


def test_discard_asks_first_then_keeps_only_the_message_id(client, organiser, django_capture_on_commit_callbacks):
    message = waiting(attachments=[("a.txt", b"secret", "text/plain")])
    path = EmailAttachment.objects.get().file.path
    client.force_login(organiser)
    page = client.get(reverse("mail:message_discard", args=[message.pk])).content.decode()
    assert "Yes, discard" in page
    message.refresh_from_db()
    assert message.status == "unmatched"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mail:message_discard", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == "discarded" and message.body_text == ""
    import os

    assert not EmailAttachment.objects.exists() and not os.path.exists(path)
    assert not client.get(reverse("mail:triage")).context["table"].data.data.exists()


def test_attachments_download_only_for_signed_in_readers(client, committee):
    message = waiting(attachments=[("plan.html", b"<script>alert(1)</script>", "text/html")])
    attachment = EmailAttachment.objects.get()
    url = reverse("mail:attachment_download", args=[attachment.pk])
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(committee)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert 'attachment; filename="plan.html"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    assert message.attachments.count() == 1


def test_media_files_are_not_served_at_media_url(client, organiser):
    waiting(attachments=[("a.txt", b"hi", "text/plain")])
    client.force_login(organiser)
    assert client.get("/media/" + EmailAttachment.objects.get().file.name).status_code == 404


def test_dropping_files_on_an_organisation_page(client, staff):
    org = factories.organisation(name="Acme Digital")
    factories.contact(org, first_name="Sam", email="sam@acme.example")
    client.force_login(staff)
    page = client.get(org.get_absolute_url()).content.decode()
    assert 'action="/mail/upload/"' in page and "mail/upload.js" in page
    files = [
        SimpleUploadedFile("one.eml", build(subject="Gold package")),
        SimpleUploadedFile("two.eml", build(sender="x@unknown.example", subject="Who")),
        SimpleUploadedFile("bad.msg", b"not outlook"),
    ]
    response = client.post(reverse("mail:upload"), {"files": files, "next": org.get_absolute_url()}, follow=True)
    text = response.content.decode()
    assert response.redirect_chain[-1][0] == org.get_absolute_url()
    assert "Filed 1, 1 waiting in Email to file, 0 already received, 1 with problems." in text
    assert "Not an Outlook .msg file" in text
    emails = [e for e in organisation_timeline(org) if e.title.startswith("Email: ")]
    assert len(emails) == 1 and emails[0].title.startswith("Email: Gold package (with Sam ")
    assert emails[0].url.startswith("/mail/messages/")


def test_upload_refuses_an_outside_return_address(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("mail:upload"), {"files": [SimpleUploadedFile("a.eml", build())], "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("mail:triage")


def test_the_committee_sees_no_drop_zone(client, committee):
    org = factories.organisation()
    client.force_login(committee)
    assert 'action="/mail/upload/"' not in client.get(org.get_absolute_url()).content.decode()


def test_each_email_shows_once_on_the_timeline_linked_to_its_message(django_assert_max_num_queries):
    """The core lists the email interaction; the mail app turns it into a link with the attachments."""
    from crm.selectors.timeline import contact_timeline, organisation_timeline

    org = factories.organisation()
    person = factories.contact(org, email="p@x.example")
    for i in range(5):
        file_parsed(
            parsing.parse_bytes(
                build(sender="p@x.example", subject=f"S{i}", attachments=[("a.txt", b"1", "text/plain")])
            )
        )
    with django_assert_max_num_queries(12):
        entries = [e for e in organisation_timeline(org) if e.title.startswith("Email")]
    assert len(entries) == 5 and all(e.url.startswith("/mail/messages/") for e in entries)
    assert all(e.detail.endswith("1 attachment") for e in entries)
    assert len([e for e in contact_timeline(person) if e.title.startswith("Email")]) == 5


def test_message_page_shows_the_text_and_attachments(client, committee):
    message = waiting(
        body=None,
        html="<p>Hello <b>there</b></p><script>x()</script>",
        attachments=[("deck.pdf", b"%PDF", "application/pdf")],
    )
    client.force_login(committee)
    page = client.get(message.get_absolute_url()).content.decode()
    assert "Hello there" in page and "x()" not in page and "deck.pdf" in page
    assert "Create contact and file" not in page  # the committee reads only


def test_an_upload_over_the_limit_is_refused_with_a_message(client, staff, settings):
    settings.MAIL_UPLOAD_MAX_BYTES = 1000
    org = factories.organisation()
    client.force_login(staff)
    response = client.post(
        reverse("mail:upload"),
        {"files": [SimpleUploadedFile("big.eml", build(body="x" * 2000))], "next": org.get_absolute_url()},
        follow=True,
    )
    assert "the limit is 1000\xa0bytes per upload" in response.content.decode()
    assert not EmailAttachment.objects.exists()
    from mail.models import EmailMessage

    assert not EmailMessage.objects.exists()


def test_an_upload_without_files_says_so(client, staff):
    client.force_login(staff)
    response = client.post(reverse("mail:upload"), {"next": "/mail/triage/"}, follow=True)
    assert "Choose at least one saved email file" in response.content.decode()


def test_new_contact_suggests_the_organisation_of_colleagues_at_the_same_domain(client, organiser):
    newco = factories.organisation(name="Newco")
    factories.contact(newco, email="boss@newco.example")
    other = factories.organisation(name="Other")
    message = waiting()  # from nina@newco.example
    client.force_login(organiser)
    page = client.get(message.get_absolute_url()).content.decode()
    assert f'<option value="{newco.pk}" selected>Newco</option>' in page
    client.post(
        reverse("mail:message_create_contact", args=[message.pk]),
        {"first_name": "Nina", "email": "nina@newco.example", "organisation": newco.pk},
    )
    assert Contact.objects.get(email="nina@newco.example").organisation == newco
    assert Interaction.objects.get().organisation == newco
    # An organisation that was not offered is refused, not attached.
    message2 = waiting(message_id="<second@x>", sender="zed@newco.example")
    response = client.post(
        reverse("mail:message_create_contact", args=[message2.pk]),
        {"email": "zed@newco.example", "organisation": other.pk},
        follow=True,
    )
    assert "Check the new contact" in response.content.decode()
    assert not Contact.objects.filter(email="zed@newco.example").exists()
