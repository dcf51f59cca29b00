"""fetch_mail against a real Dovecot mailbox; sending through a real SMTP server; the tasks
worker (django-tasks-db's db_worker) running the fetch task against the test database."""

import pytest
from django.core.management import call_command

from crm.models import Interaction
from mail import imap
from mail.models import EmailMessage, MailboxState
from mail.outbound import send_to_contact
from tests.crm import factories
from tests.mail.conftest import build
from tests.mail.servers import dovecot, free_port, smtp_server


@pytest.fixture
def mailbox_server():
    with dovecot() as server:
        yield server


@pytest.fixture
def acme(db):
    org = factories.organisation(name="Acme Digital")
    return factories.contact(org, first_name="Sam", email="sam@acme.example")


def test_fetch_mail_files_the_mailbox_and_moves_messages_to_processed(mailbox_server, acme, settings, capsys):
    settings.MAIL_IMAP_URL = mailbox_server.url
    mailbox_server.append(
        [
            build(message_id="<one@x>"),
            build(message_id="<two@x>", sender="who@unknown.example"),
            b"not an email at all\r\n",
        ]
    )
    with pytest.raises(SystemExit):  # one message could not be read
        call_command("fetch_mail")
    out, err = capsys.readouterr()
    assert out.strip().splitlines()[-1] == "logged=1 duplicates=0 unmatched=1 errors=1"
    assert "left in the mailbox" in err
    assert sorted(mailbox_server.message_ids("Processed")) == ["<one@x>", "<two@x>"]
    assert len(mailbox_server.message_ids("INBOX")) == 1  # the unreadable one stays
    assert EmailMessage.objects.filter(source="imap").count() == 2
    assert Interaction.objects.get().contact == acme


def test_a_message_already_filed_is_moved_as_a_duplicate(mailbox_server, acme, settings, capsys):
    settings.MAIL_IMAP_URL = mailbox_server.url
    mailbox_server.append([build(message_id="<same@x>")])
    call_command("fetch_mail")
    mailbox_server.append([build(message_id="<same@x>")])
    call_command("fetch_mail")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "logged=0 duplicates=1 unmatched=0 errors=0"
    assert mailbox_server.message_ids("Processed") == ["<same@x>", "<same@x>"]
    assert Interaction.objects.count() == 1


def test_mailbox_down_retries_with_backoff_and_shows_the_error(db, settings, capsys):
    settings.MAIL_IMAP_URL = f"imap://u:p@127.0.0.1:{free_port()}/INBOX"
    waits = []
    with pytest.raises(imap.MailboxUnavailable):
        imap.fetch_with_retry(settings.MAIL_IMAP_URL, "Processed", attempts=3, base_delay=1, sleep=waits.append)
    assert waits == [1, 2]
    state = MailboxState.objects.get()
    assert state.failures == 3 and "Cannot reach the mailbox" in state.last_error
    with pytest.raises(SystemExit) as exit_info:
        call_command("fetch_mail", "--attempts", "1")
    assert exit_info.value.code == 2
    assert "Nothing was lost" in capsys.readouterr().err


def test_the_triage_page_shows_the_mailbox_error(client, organiser):
    MailboxState.objects.create(pk=1, failures=2, last_error="Cannot reach the mailbox at imap.example:993")
    client.force_login(organiser)
    response = client.get("/mail/triage/")
    assert "The mailbox could not be read" in response.content.decode()
    assert "imap.example:993" in response.content.decode()


def test_wrong_password_is_a_clear_error(mailbox_server, db):
    url = mailbox_server.url.replace(":secret@", ":wrong@")
    with pytest.raises(imap.MailboxUnavailable, match="Cannot reach the mailbox"):
        imap.fetch_once(url, "Processed")


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_the_fetch_task(mailbox_server, settings):
    """The real worker loop (db_worker --batch) picks the enqueued task up from the database."""
    from django_tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    from mail.tasks import fetch_mail

    assert type(task_backends["default"]).__name__ == "DatabaseBackend"  # the project's default
    settings.MAIL_IMAP_URL = mailbox_server.url
    org = factories.organisation()
    factories.contact(org, email="sam@acme.example")
    mailbox_server.append([build(message_id="<task@x>")])
    result = fetch_mail.enqueue()
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"
    assert not EmailMessage.objects.exists()
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", "--no-reload", verbosity=0)
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "SUCCESSFUL", row.traceback
    assert row.return_value == "logged=1 duplicates=0 unmatched=0 errors=0"
    assert EmailMessage.objects.get().message_id == "<task@x>"
    assert mailbox_server.message_ids("Processed") == ["<task@x>"]


def test_sent_message_goes_through_smtp_and_is_filed_as_outbound(acme, organiser, settings):
    organiser.email = "olivia@network.example"
    organiser.save()
    with smtp_server() as (inbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        message = send_to_contact(user=organiser, contact=acme, subject="Thank you", body="Thanks, Sam.")
    [received] = inbox.messages
    assert received["Message-ID"] == message.message_id
    assert received["To"] == "sam@acme.example" and received["From"] == "olivia@network.example"
    assert received.get_content().strip() == "Thanks, Sam."
    interaction = Interaction.objects.get()
    assert (interaction.direction, interaction.contact, interaction.summary) == ("outbound", acme, "Thank you")
    # The reply comes back through the mailbox parser, in the same thread.
    from mail.parsing import parse_bytes

    reply = parse_bytes(
        build(subject="Re: Thank you").replace(
            b"Subject:", b"In-Reply-To: " + message.message_id.encode() + b"\r\nSubject:", 1
        )
    )
    assert reply.in_reply_to == message.message_id


def test_smtp_refusing_the_message_files_nothing(acme, organiser, settings):
    from django.core.exceptions import ValidationError

    with smtp_server() as (inbox, port):
        inbox.refuse.add("sam@acme.example")
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        with pytest.raises(ValidationError, match="did not accept"):
            send_to_contact(user=organiser, contact=acme, subject="Hello", body="Hi")
    assert not EmailMessage.objects.exists() and not Interaction.objects.exists()


class StopWatching(Exception):
    pass


def test_fetch_mail_watch_keeps_polling(mailbox_server, acme, settings, capsys, monkeypatch):
    settings.MAIL_IMAP_URL = mailbox_server.url
    settings.MAIL_FETCH_INTERVAL = 7
    mailbox_server.append([build(message_id="<w1@x>")])
    waits = []

    def fake_sleep(seconds):
        waits.append(seconds)
        if len(waits) == 1:
            mailbox_server.append([build(message_id="<w2@x>")])  # arrives between two polls
            return
        raise StopWatching

    monkeypatch.setattr("mail.management.commands.fetch_mail.sleep", fake_sleep)
    with pytest.raises(StopWatching):
        call_command("fetch_mail", "--watch")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == ["logged=1 duplicates=0 unmatched=0 errors=0"] * 2 and waits == [7, 7]
    assert sorted(mailbox_server.message_ids("Processed")) == ["<w1@x>", "<w2@x>"]
