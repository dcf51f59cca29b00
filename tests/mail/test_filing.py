"""Filing received messages: who they are filed on, once, with their text and attachments."""

import datetime
import mailbox

import pytest
from django.core.management import call_command

from crm.models import Interaction
from mail import parsing
from mail.models import EmailAttachment, EmailMessage, FiledEmail
from mail.services import DUPLICATE, LOGGED, UNMATCHED, file_parsed, import_bytes
from tests.crm import factories
from tests.mail.conftest import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    org = factories.organisation(name="Acme Digital")
    sam = factories.contact(org, first_name="Sam", last_name="Sponsor", email="sam@acme.example")
    return org, sam


def file_bytes(data, **kw):
    return file_parsed(parsing.parse_bytes(data), **kw)


def test_inbound_message_is_filed_on_the_senders_contact_as_an_email_interaction(acme):
    org, sam = acme
    outcome, message = file_bytes(build(sender="SAM Sponsor <Sam@ACME.example>"))
    assert outcome == LOGGED and message.status == "filed" and message.direction == "inbound"
    interaction = Interaction.objects.get()
    assert (interaction.kind, interaction.direction, interaction.contact, interaction.organisation) == (
        "email",
        "inbound",
        sam,
        org,
    )
    assert interaction.summary == "Sponsorship"
    assert interaction.occurred_at == datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
    assert "we would like to sponsor" in message.body_text


def test_mail_from_a_crm_user_is_outbound_and_filed_on_each_recipient_contact(acme, organiser):
    org, sam = acme
    organiser.email = "Olivia@Network.example"
    organiser.save()
    kim = factories.contact(org, email="kim@acme.example")
    outcome, message = file_bytes(
        build(
            sender="olivia@network.example", to="sam@acme.example, stranger@else.example", cc="Kim <KIM@acme.example>"
        )
    )
    assert outcome == LOGGED and message.direction == "outbound"
    assert set(FiledEmail.objects.values_list("contact", flat=True)) == {sam.pk, kim.pk}
    assert set(Interaction.objects.values_list("direction", flat=True)) == {"outbound"}


def test_a_message_arriving_twice_is_a_duplicate_and_filed_once(acme):
    data = build(message_id="<once@acme.example>")
    assert file_bytes(data)[0] == LOGGED
    assert file_bytes(data)[0] == DUPLICATE
    assert Interaction.objects.count() == 1 and EmailMessage.objects.count() == 1


def test_a_waiting_message_arriving_again_is_a_duplicate_too():
    data = build(sender="nobody@unknown.example", message_id="<wait@x>")
    assert file_bytes(data)[0] == UNMATCHED
    assert file_bytes(data)[0] == DUPLICATE
    assert EmailMessage.objects.get().status == "unmatched"


def test_gmail_forward_is_filed_on_the_original_sender_at_the_original_date(acme, organiser):
    organiser.email = "olivia@network.example"
    organiser.save()
    body = (
        "FYI, see below\n\n---------- Forwarded message ---------\nFrom: Sam Sponsor <sam@acme.example>\n"
        "Date: Mon, 3 Nov 2025 at 10:15\nSubject: Gold package\nTo: Olivia <olivia@network.example>\n\n"
        "We will take the gold package.\n"
    )
    outcome, message = file_bytes(
        build(sender="olivia@network.example", to="crm@network.example", subject="Fwd: Gold package", body=body)
    )
    assert outcome == LOGGED and message.direction == "inbound" and message.forwarded_by == "olivia@network.example"
    interaction = Interaction.objects.get()
    assert interaction.contact == acme[1]
    assert interaction.occurred_at.date() == datetime.date(2025, 11, 3)


def test_outlook_forward_block_is_recognised(acme):
    body = (
        "Please file.\n\nFrom: Sam Sponsor <sam@acme.example>\nSent: Tuesday, October 14, 2025 4:05 PM\n"
        "To: Olivia Organiser <olivia@network.example>\nSubject: Venue\n\nWe can host the dinner."
    )
    outcome, _message = file_bytes(build(sender="someone@network.example", subject="FW: Venue", body=body))
    assert outcome == LOGGED
    assert Interaction.objects.get().occurred_at.date() == datetime.date(2025, 10, 14)


def test_attached_rfc822_forward_is_filed_on_the_inner_sender(acme):
    from email.message import EmailMessage as Std

    inner = parsing.email.message_from_bytes(
        build(date=datetime.datetime(2025, 5, 1, 8, tzinfo=datetime.UTC)), policy=parsing.policy.default
    )
    outer = Std()
    outer["From"] = "helper@elsewhere.example"
    outer["To"] = "crm@network.example"
    outer["Subject"] = "Fwd: Sponsorship"
    outer["Message-ID"] = "<outer@x>"
    outer.set_content("see attached")
    outer.add_attachment(inner)
    outcome, _message = file_bytes(bytes(outer))
    assert outcome == LOGGED
    assert Interaction.objects.get().occurred_at.date() == datetime.date(2025, 5, 1)


def test_reply_quoting_an_outlook_block_is_not_taken_for_a_forward(acme):
    body = "Thanks!\n\nFrom: Olivia <olivia@network.example>\nSent: Monday, 1 Sep 2025 10:00\nTo: Sam\nSubject: x\n"
    outcome, message = file_bytes(build(subject="RE: Sponsorship", body=body))
    assert outcome == LOGGED and message.forwarded_by == ""
    assert Interaction.objects.get().occurred_at.year == 2026


def test_html_only_message_is_kept_as_text_without_scripts(acme):
    html = (
        "<html><head><style>p{color:red}</style><script>steal()</script></head><body>"
        "<p>Dear Olivia,</p><script>document.cookie</script><p onclick='x()'>We <b>accept</b>.</p>"
        "<noscript>nojs</noscript></body></html>"
    )
    _, message = file_bytes(build(body=None, html=html))
    assert "Dear Olivia," in message.html_text and "We accept." in message.html_text
    for bad in ("steal", "cookie", "color:red", "<", "nojs"):
        assert bad not in message.html_text
    assert "We accept." in Interaction.objects.get().outcome


def test_unknown_charset_is_read_leniently(acme):
    raw = (
        b"From: sam@acme.example\r\nTo: crm@network.example\r\nSubject: =?x-unknown-9?Q?Caf=E9_plans?=\r\n"
        b"Message-ID: <cs@x>\r\nDate: Mon, 2 Mar 2026 09:30:00 +0000\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=x-unknown-9\r\n\r\nCaf\xe9 au lait\r\n"
    )
    outcome, message = file_bytes(raw)
    assert outcome == LOGGED
    assert message.subject.startswith("Caf") and "plans" in message.subject
    assert message.body_text.startswith("Caf") and "au lait" in message.body_text


def test_malformed_headers_still_file_and_say_so(acme):
    raw = b"From: Sam <sam@acme.example\r\nTo: ,,,@@\r\nSubject: broken\r\nDate: not a date\r\n\r\nbody\r\n"
    outcome, message = file_bytes(raw)
    assert outcome == LOGGED
    assert "No readable Date" in message.note


def test_bytes_that_are_not_an_email_are_unreadable():
    with pytest.raises(parsing.UnreadableMessage):
        parsing.parse_bytes(b"\x00\x01\x02 just binary \xff\xfe")
    with pytest.raises(parsing.UnreadableMessage):
        parsing.parse_bytes(b"")


def test_attachments_are_stored_with_safe_names_and_the_oversized_one_is_recorded_as_skipped(acme, settings):
    big = b"x" * (30 * 1024 * 1024)
    data = build(
        attachments=[
            ("../../etc/passwd", b"root:x", "text/plain"),
            ("plan<1>.pdf", b"%PDF", "application/pdf"),
            ("huge.zip", big, "application/zip"),
        ]
    )
    outcome, _message = file_bytes(data)
    assert outcome == LOGGED
    stored = {a.filename: a for a in EmailAttachment.objects.all()}
    assert set(stored) == {"passwd", "plan_1_.pdf", "huge.zip"}
    with stored["passwd"].file.open("rb") as handle:
        assert handle.read() == b"root:x"
    assert str(settings.MEDIA_ROOT) in stored["passwd"].file.path and "/etc/" not in stored["passwd"].file.name
    assert not stored["huge.zip"].file and "over the 10 MB limit" in stored["huge.zip"].skipped
    assert stored["huge.zip"].size == len(big)


def test_500_recipients_file_on_every_matching_contact(organiser):
    organiser.email = "olivia@network.example"
    organiser.save()
    org = factories.organisation()
    people = [factories.contact(org, email=f"p{i}@many.example") for i in range(0, 500, 5)]
    to = ", ".join(f"p{i}@many.example" for i in range(500))
    outcome, message = file_bytes(build(sender="olivia@network.example", to=to))
    assert outcome == LOGGED and len(message.to_addresses) == 500
    assert FiledEmail.objects.count() == len(people) == 100


def test_mbox_with_a_broken_message_in_the_middle(acme, tmp_path, capsys):
    path = tmp_path / "archive.mbox"
    box = mailbox.mbox(str(path))
    box.add(build(message_id="<m1@x>"))
    box.add(b"\x00\x00\x00")
    box.add(build(message_id="<m3@x>", sender="stranger@else.example"))
    box.flush()
    box.close()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_email", str(path))
    out, err = capsys.readouterr()
    assert out.strip().splitlines()[-1] == "logged=1 duplicates=0 unmatched=1 errors=1"
    assert "message 2" in err and exit_info.value.code == 1
    assert EmailMessage.objects.count() == 2


def test_import_email_counts_a_second_run_as_duplicates_and_exits_zero(acme, tmp_path, capsys):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "a.eml").write_bytes(build(message_id="<a@x>"))
    (folder / "b.eml").write_bytes(build(message_id="<b@x>", sender="who@unknown.example"))
    call_command("import_email", str(folder))
    call_command("import_email", str(folder / "a.eml"), str(folder / "b.eml"))
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == ["logged=1 duplicates=0 unmatched=1 errors=0", "logged=0 duplicates=2 unmatched=0 errors=0"]


def test_a_fake_msg_file_is_an_error_not_a_crash(tmp_path, capsys):
    path = tmp_path / "fake.msg"
    path.write_bytes(build())
    with pytest.raises(SystemExit):
        call_command("import_email", str(path))
    out, err = capsys.readouterr()
    assert out.strip().splitlines()[-1] == "logged=0 duplicates=0 unmatched=0 errors=1"
    assert "Not an Outlook .msg file" in err


def test_a_damaged_outlook_file_is_an_error_for_that_file_only(acme):
    result = import_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "broken.msg")
    import_bytes(build(), "good.eml", result=result)
    assert (result.logged, result.errors, result.unreadable) == (1, 1, 1)
    assert "Outlook file unreadable" in result.problems[0]


def test_a_missing_file_is_reported(tmp_path, capsys):
    with pytest.raises(SystemExit):
        call_command("import_email", str(tmp_path / "nope.eml"))
    assert "cannot read the file" in capsys.readouterr().err


def test_message_without_message_id_is_still_a_duplicate_the_second_time(acme):
    raw = b"From: sam@acme.example\r\nTo: x@y.example\r\nSubject: no id\r\n\r\nhello\r\n"
    assert file_bytes(raw)[0] == LOGGED
    assert file_bytes(raw)[0] == DUPLICATE


def test_a_reply_from_an_unknown_address_joins_the_thread_it_answers(acme, organiser):
    organiser.email = "olivia@network.example"
    organiser.save()
    _, _sent = file_bytes(build(sender="olivia@network.example", to="sam@acme.example", message_id="<ours@network>"))
    reply = build(
        sender="Sam at home <sam.personal@home.example>", subject="Re: Sponsorship", message_id="<reply@home>"
    ).replace(b"Subject:", b"In-Reply-To: <ours@network>\r\nSubject:", 1)
    outcome, message = file_bytes(reply)
    assert outcome == LOGGED and message.direction == "inbound"
    assert list(Interaction.objects.order_by("id").values_list("contact", "direction")) == [
        (acme[1].pk, "outbound"),
        (acme[1].pk, "inbound"),
    ]
    # The same through the batch path of import_email.
    result = import_bytes(reply.replace(b"<reply@home>", b"<reply2@home>"), "reply.eml")
    assert result.logged == 1 and Interaction.objects.count() == 3


def test_nul_characters_in_a_body_are_dropped_not_fatal(acme):
    raw = b"From: sam@acme.example\r\nTo: x@y.example\r\nSubject: nul\r\nMessage-ID: <nul@x>\r\n\r\nhel\x00lo\r\n"
    outcome, message = file_bytes(raw)
    assert outcome == LOGGED and message.body_text == "hello"
