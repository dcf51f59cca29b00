"""Templates, compose with preview, mail merges run by the real worker, resumable and personal."""

from decimal import Decimal

import pytest
from django.core import mail as django_mail
from django.core.management import call_command
from django.urls import reverse

from crm.models import Interaction
from mail import outbound
from mail.models import EmailMessage, EmailTemplate, MailMerge, MailMergeRecipient
from sponsors.services import create_pledge
from tests.crm import factories
from tests.mail.servers import smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    return EmailTemplate.objects.create(
        name="Thank you",
        subject="Thank you, {{ organisation }}",
        body="Dear {{ first_name }},\nThank you for {{ amount }} ({{ tier }}) for {{ event }}.\n{{ sender_name }}",
    )


def test_merge_fields_are_replaced_never_evaluated(organiser):
    org = factories.organisation(name="Acme Digital")
    person = factories.contact(org, first_name="Sam")
    pledge = create_pledge(
        organisation=org,
        event=factories.event(name="Launch"),
        amount=Decimal("2500"),
        stage="approached",
        user=organiser,
    )
    context = outbound.merge_context(contact=person, pledge=pledge, user=organiser)
    text = outbound.render("Hi {{ first_name }}, {{amount}} for {{ event }}", context)
    assert text == "Hi Sam, £2,500 for Launch"
    assert outbound.unknown_fields("{{ settings.SECRET_KEY }} {{ user.password }}") == []  # not even fields
    assert outbound.render("{% debug %}{{ x.y }}", context) == "{% debug %}{{ x.y }}"
    assert outbound.unknown_fields("{{ password }}") == ["password"]


def test_template_form_refuses_unknown_fields(client, organiser):
    client.force_login(organiser)
    response = client.post(reverse("mail:template_create"), {"name": "X", "subject": "Hi", "body": "{{ password }}"})
    assert response.status_code == 200 and "Unknown merge field" in response.content.decode()
    assert not EmailTemplate.objects.filter(name="X").exists()
    client.post(reverse("mail:template_create"), {"name": "X", "subject": "Hi", "body": "Dear {{ first_name }}"})
    assert EmailTemplate.objects.get(name="X").body == "Dear {{ first_name }}"


def test_compose_previews_against_the_record_then_sends_and_files(client, organiser, template):
    org = factories.organisation(name="Acme Digital")
    person = factories.contact(org, first_name="Sam", email="sam@acme.example")
    pledge = create_pledge(
        organisation=org,
        event=factories.event(name="Launch"),
        amount=Decimal("2500"),
        stage="approached",
        user=organiser,
    )
    client.force_login(organiser)
    url = reverse("mail:compose") + f"?pledge={pledge.pk}"
    page = client.get(url + f"&template={template.pk}").content.decode()
    assert "Thank you, {{ organisation }}" in page
    data = {"contact": person.pk, "subject": template.subject, "body": template.body}
    preview = client.post(url, {**data, "preview": "1"}).content.decode()
    assert "Thank you, Acme Digital" in preview and "Dear Sam," in preview and "£2,500" in preview
    assert not django_mail.outbox
    response = client.post(url, {**data, "send": "1"})
    assert response.status_code == 302 and response["Location"] == pledge.get_absolute_url()
    [sent] = django_mail.outbox
    assert sent.subject == "Thank you, Acme Digital" and sent.to == ["sam@acme.example"]
    message = EmailMessage.objects.get()
    assert sent.extra_headers["Message-ID"] == message.message_id
    assert Interaction.objects.get().direction == "outbound"


def test_compose_refuses_a_do_not_contact_person(client, organiser):
    person = factories.contact(factories.organisation(), do_not_contact=True)
    client.force_login(organiser)
    response = client.post(
        reverse("mail:compose") + f"?contact={person.pk}",
        {"contact": person.pk, "subject": "Hi", "body": "Hello", "send": "1"},
    )
    assert "do not contact" in response.content.decode()
    assert not django_mail.outbox and not EmailMessage.objects.exists()


def make_list(n, org=None):
    org = org or factories.organisation(name="Listco")
    return [factories.contact(org, first_name=f"P{i}", email=f"p{i}@list.example") for i in range(n)]


def run_worker():
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_mail_merge_sends_one_personal_message_each_skips_and_survives_a_refusal(settings):

    from django.contrib.auth import get_user_model

    from tests.conftest import make_user

    organiser = make_user(get_user_model(), "olivia", "Organiser", email="olivia@network.example")
    template = EmailTemplate.objects.create(name="T", subject="Hello {{ first_name }}", body="Dear {{ first_name }}")
    people = make_list(6)
    people[1].do_not_contact = True
    people[1].save()
    people[2].lawful_basis = "consent"
    people[2].save()
    with smtp_server() as (inbox, port):
        inbox.refuse.add("p3@list.example")
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        merge = outbound.create_merge(user=organiser, template=template, contacts=people, description="test")
        outbound.start_merge(merge)
        run_worker()  # the real database worker runs the merge task
    merge.refresh_from_db()
    assert merge.status == "done"
    got = {m["To"]: m["Subject"] for m in inbox.messages}
    assert got == {"p0@list.example": "Hello P0", "p4@list.example": "Hello P4", "p5@list.example": "Hello P5"}
    assert all(len(e.rcpt_tos) == 1 for e in inbox.envelopes)  # never everyone in one message
    reasons = dict(MailMergeRecipient.objects.exclude(status="sent").values_list("email", "reason"))
    assert reasons["p1@list.example"] == "Marked do not contact."
    assert "no consent date" in reasons["p2@list.example"]
    assert "refused" in reasons["p3@list.example"]
    assert Interaction.objects.filter(kind="email", direction="outbound").count() == 3
    progress = outbound.merge_progress(merge)
    assert (progress["sent"], progress["skipped"], progress["failed"], progress["percent"]) == (3, 2, 1, 100)


def test_a_restarted_merge_never_sends_twice(organiser, settings):
    template = EmailTemplate.objects.create(name="T", subject="Hi", body="Hello")
    people = make_list(3)
    merge = outbound.create_merge(user=organiser, template=template, contacts=people)
    first, second, third = merge.recipients.order_by("id")
    # A crash: the first was sent, the second was claimed when the worker died.
    MailMergeRecipient.objects.filter(pk=first.pk).update(status="sent")
    MailMergeRecipient.objects.filter(pk=second.pk).update(status="sending")
    assert outbound.run_merge(merge.pk) == "sent=2 skipped=0 failed=1"
    assert [m.to for m in django_mail.outbox] == [[third.email]]
    assert outbound.run_merge(merge.pk) == "sent=2 skipped=0 failed=1"  # and again: nothing new
    assert len(django_mail.outbox) == 1


def test_merge_pages_and_progress_json(client, organiser, template):
    people = make_list(3)
    client.force_login(organiser)
    page = client.get(reverse("mail:merge_create"), {"q": "Listco"}).content.decode()
    assert "<strong>3</strong> contacts in this list" in page
    factories.contact(factories.organisation(name="Other"), email="not-in-list@else.example")
    response = client.post(reverse("mail:merge_create") + "?q=Listco", {"template": template.pk})
    merge = MailMerge.objects.get()
    assert response["Location"] == merge.get_absolute_url()
    assert merge.recipients.count() == 3
    data = client.get(reverse("mail:merge_status", args=[merge.pk])).json()
    assert data == {"status": "queued", "total": 3, "done": 0, "sent": 0, "skipped": 0, "failed": 0, "percent": 0}
    outbound.run_merge(merge.pk)
    data = client.get(reverse("mail:merge_status", args=[merge.pk])).json()
    assert (data["status"], data["sent"], data["percent"]) == ("done", 3, 100)
    assert "merge.js" in client.get(merge.get_absolute_url()).content.decode()
    assert {m.to[0] for m in django_mail.outbox} == {p.email for p in people}


def test_resume_queues_a_stopped_merge_for_the_worker(client, organiser, template, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    merge = outbound.create_merge(user=organiser, template=template, contacts=make_list(2))
    MailMerge.objects.filter(pk=merge.pk).update(status="failed", error="Connection refused")
    client.force_login(organiser)
    page = client.get(merge.get_absolute_url()).content.decode()
    assert "Stopped: Connection refused" in page and "Resume sending" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mail:merge_resume", args=[merge.pk]))
    merge.refresh_from_db()
    assert merge.status == "queued"
    assert DBTaskResult.objects.filter(task_path="mail.tasks.run_mail_merge", status="READY").count() == 1
    outbound.run_merge(merge.pk)
    response = client.post(reverse("mail:merge_resume", args=[merge.pk]), follow=True)
    assert "nothing to resume" in response.content.decode()
    assert len(django_mail.outbox) == 2


def test_a_merge_whose_worker_died_says_so_on_its_page_and_in_my_followups(client, organiser, template, settings):
    """Queued or sending with no progress for MAIL_MERGE_STALLED_SECONDS: not "Sending" for ever."""
    import datetime

    from django.utils import timezone

    merge = outbound.create_merge(user=organiser, template=template, contacts=[factories.contact()])
    MailMerge.objects.filter(pk=merge.pk).update(status=MailMerge.Status.RUNNING, heartbeat_at=timezone.now())
    client.force_login(organiser)
    assert "the task worker stopped" not in client.get(merge.get_absolute_url()).content.decode()
    assert "Mail merges that stopped" not in client.get(reverse("crm:followup_list")).content.decode()

    stale = timezone.now() - datetime.timedelta(seconds=settings.MAIL_MERGE_STALLED_SECONDS + 1)
    MailMerge.objects.filter(pk=merge.pk).update(heartbeat_at=stale)
    page = client.get(merge.get_absolute_url()).content.decode()
    assert "the task worker stopped or is not running" in page and "Resume sending" in page
    followups = client.get(reverse("crm:followup_list")).content.decode()
    assert "Mail merges that stopped" in followups and merge.get_absolute_url() in followups


def compose_key(page: str) -> str:
    import re

    return re.search(r'name="key" value="([0-9a-f]{32})"', page).group(1)


def test_the_same_compose_page_sent_twice_sends_once_and_says_why(client, organiser):
    """The page's key is the message's idempotency key: a double click, or the browser's retry
    after the server died mid-send, is refused with the reason instead of a second message."""
    person = factories.contact(factories.organisation(), first_name="Sam", email="sam@acme.example")
    client.force_login(organiser)
    url = reverse("mail:compose") + f"?contact={person.pk}"
    key = compose_key(client.get(url).content.decode())
    assert key != compose_key(client.get(url).content.decode())  # each page its own
    data = {"contact": person.pk, "subject": "Hello", "body": "Hi Sam", "key": key}
    assert key in client.post(url, {**data, "preview": "1"}).content.decode()  # kept through the preview
    assert client.post(url, {**data, "send": "1"}).status_code == 302
    again = client.post(url, {**data, "send": "1"})
    assert again.status_code == 400
    assert "This message was already sent to sam@acme.example" in again.content.decode()
    assert len(django_mail.outbox) == 1 and EmailMessage.objects.count() == 1 and Interaction.objects.count() == 1
    assert django_mail.outbox[0].extra_headers["Message-ID"].startswith(f"<crm-send.{key}@")


def test_a_message_interrupted_mid_send_is_shown_and_never_sent_again(client, organiser, settings):
    """What a process killed between the SMTP server's acceptance and the CRM's marking leaves: the
    message "being sent". After MAIL_SEND_STALLED_SECONDS its page and My follow-ups say it was
    interrupted; sending the same page again is refused with why."""
    import datetime

    from django.utils import timezone

    person = factories.contact(factories.organisation(), first_name="Sam", email="sam@acme.example")
    client.force_login(organiser)
    url = reverse("mail:compose") + f"?contact={person.pk}"
    key = compose_key(client.get(url).content.decode())
    left = outbound._record(
        user=organiser,
        contact=person,
        subject="Hello",
        body="Hi Sam",
        message_id=outbound._message_id_for(key),
        status=EmailMessage.Status.SENDING,
    )
    assert not Interaction.objects.exists()  # not on the timeline as sent
    assert "is being sent to sam@acme.example" in client.get(left.get_absolute_url()).content.decode()
    assert "interrupted-send" not in client.get(reverse("crm:followup_list")).content.decode()

    stale = timezone.now() - datetime.timedelta(seconds=settings.MAIL_SEND_STALLED_SECONDS + 1)
    EmailMessage.objects.filter(pk=left.pk).update(received_at=stale)
    page = client.get(left.get_absolute_url()).content.decode()
    assert "interrupted while sending to sam@acme.example" in page and "not sent again" in page
    followups = client.get(reverse("crm:followup_list")).content.decode()
    assert "Email interrupted while sending" in followups and left.get_absolute_url() in followups
    response = client.post(url, {"contact": person.pk, "subject": "Hello", "body": "Hi Sam", "key": key, "send": "1"})
    assert response.status_code == 400 and "interrupted while sending" in response.content.decode()
    assert not django_mail.outbox and EmailMessage.objects.count() == 1
    # A new page is a new message: it goes.
    fresh = compose_key(client.get(url).content.decode())
    data = {"contact": person.pk, "subject": "Hello", "body": "Hi Sam", "key": fresh, "send": "1"}
    assert client.post(url, data).status_code == 302 and len(django_mail.outbox) == 1
