"""Email's part of the demo world (a crm.registry DemoStep run by seed_demo): a few threads filed on
sponsors' contacts, three messages waiting in triage, two templates besides the agreement's, and a
thank-you mail merge to the invoiced and paid sponsors, finished.

The messages go in as saved .eml files do (mail.services.import_bytes), so they are filed by the
same rules; the merge is sent by the same code as a real one, into an in-memory mail backend, so
nobody is written to.
"""

from __future__ import annotations

import datetime
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, make_msgid

from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from crm.models import Contact, Event
from mail import outbound
from mail.models import EmailTemplate
from mail.services import crm_user_emails, import_bytes
from sponsors.models import Stage

TEMPLATES = [
    (
        "Sponsorship pack",
        "Sponsoring {{ event }}",
        (
            "Dear {{ first_name }},\n\nThank you for your interest in {{ event }}. I attach our sponsorship pack: "
            "the tiers, what each includes and the key dates.\n\nI would be glad to talk it through with "
            "{{ organisation }} whenever suits you.\n\nBest wishes,\n{{ sender_name }}"
        ),
    ),
    (
        "Thank you for sponsoring",
        "Thank you from the Northern Digital Public Services Network",
        (
            "Dear {{ first_name }},\n\nThank you for sponsoring {{ event }} as a {{ tier }} sponsor "
            "({{ amount }}). Your support lets us keep the day free for public servants.\n\n"
            "We will be in touch about your stand and tickets closer to the day.\n\nWith thanks,\n{{ sender_name }}"
        ),
    ),
]

THREADS = [
    ("Sponsorship pack for the launch", "Thanks, this looks great. Gold is most likely; I will confirm next week."),
    ("Your stand at the launch", "Could we have a stand near the coffee? We will bring our own banner."),
    ("Invoice details", "Please address the invoice to our accounts team and quote our PO number."),
    ("Speaking slot", "Our Head of Digital would love to speak in the afternoon session."),
]

WAITING = [
    ("Priya Raman", "priya.raman@newcomer-digital.example", "Sponsoring the launch?", "Is there still a Silver slot?"),
    ("Events Team", "events@harrogate-convention.example", "Venue for your autumn meetup", "We have dates free."),
    ("Tom Hale", "tom.hale@gmail.example", "Fwd: tickets for my team", "Can five of us come to the launch?"),
]


def _message(*, sender, to, subject, body, when, reply_to=None) -> tuple[bytes, str]:
    message = MimeMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(when)
    message["Message-ID"] = make_msgid(domain="demo.example")
    if reply_to:
        message["In-Reply-To"] = message["References"] = reply_to
    message.set_content(body)
    return bytes(message), message["Message-ID"]


def run(*, today: datetime.date) -> None:
    organiser = get_user_model().objects.get(username="organiser")
    for name, subject, body in TEMPLATES:
        outbound.validate_template_text(subject, body)
        EmailTemplate.objects.get_or_create(name=name, defaults={"subject": subject, "body": body})

    now = timezone.now()
    sender = f"{organiser.get_full_name()} <{organiser.email}>"
    users = crm_user_emails()
    # The demo's launch: the coming event with the most invoiced and paid pledges (the other steps
    # may add events of their own, a past one, a next one).
    events = Event.objects.filter(pledges__stage__in=[Stage.INVOICED, Stage.PAID]).annotate(settled=Count("pledges"))
    event = max(events, key=lambda e: (e.date is None or e.date >= today, e.settled, e.pk), default=None)
    sponsors = (
        Contact.objects.filter(
            organisation__pledges__event=event,
            organisation__pledges__stage__in=[Stage.INVOICED, Stage.PAID, Stage.CONFIRMED],
        )
        .exclude(email="")
        .exclude(do_not_contact=True)
        .order_by("organisation_id", "id")
    )
    people = list({c.organisation_id: c for c in reversed(sponsors)}.values())[: len(THREADS)]
    for index, (contact, (subject, reply)) in enumerate(zip(people, THREADS)):
        sent = now - datetime.timedelta(days=20 - 4 * index, hours=3)
        data, message_id = _message(
            sender=sender,
            to=f"{contact.first_name} {contact.last_name} <{contact.email}>",
            subject=subject,
            body=f"Dear {contact.first_name},\n\nFollowing our call, here are the details.\n\n{organiser.first_name}",
            when=sent,
        )
        import_bytes(data, f"demo-{index}-out.eml", user=organiser, user_emails=users)
        data, _ = _message(
            sender=f"{contact.first_name} {contact.last_name} <{contact.email}>",
            to=sender,
            subject=f"Re: {subject}",
            body=reply,
            when=sent + datetime.timedelta(days=1, hours=2),
            reply_to=message_id,
        )
        import_bytes(data, f"demo-{index}-reply.eml", user=organiser, user_emails=users)
    for index, (name, address, subject, body) in enumerate(WAITING):  # nobody in the CRM: triage
        data, _ = _message(
            sender=f"{name} <{address}>",
            to=sender,
            subject=subject,
            body=body,
            when=now - datetime.timedelta(days=2 - index, hours=5),
        )
        import_bytes(data, f"demo-waiting-{index}.eml", user=organiser, user_emails=users)

    thanks = EmailTemplate.objects.get(name="Thank you for sponsoring")
    recipients = Contact.objects.filter(
        organisation__pledges__event=event, organisation__pledges__stage__in=[Stage.INVOICED, Stage.PAID]
    ).distinct()
    merge = outbound.create_merge(
        user=organiser, template=thanks, contacts=recipients.order_by("id"), description="Invoiced and paid sponsors"
    )
    outbound.run_merge(merge.pk, connection=get_connection("django.core.mail.backends.locmem.EmailBackend"))


def clear() -> None:
    """What `generate_data --clear` deletes of email (a crm.registry DataStep's clear): every message,
    filing and merge, which point at the contacts and interactions it deletes. Templates stay (the
    organiser's wording); stored attachments' files are deleted once the clear commits. Raw deletes,
    as the core's: no history row per deleted record."""
    from mail.models import EmailAttachment, EmailMessage, FiledEmail, MailMerge, MailMergeRecipient
    from mail.services import delete_files

    files = list(EmailAttachment.objects.exclude(file="").values_list("file", flat=True))
    for model in (FiledEmail, MailMergeRecipient, MailMerge, EmailAttachment, EmailMessage):
        model._base_manager.all()._raw_delete(model._base_manager.db)
    transaction.on_commit(lambda: delete_files(files))


def generate(**options) -> dict:
    """generate_data makes no email: messages come from mailboxes and files."""
    return {}
