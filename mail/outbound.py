"""Sending from the CRM: templates with merge fields, one message, and mail merges.

Merge fields are replaced by plain text ({{ first_name }}), never evaluated as template code,
so a template the organiser writes cannot reach anything but the fields listed here.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import re
import smtplib
import uuid
from email.utils import make_msgid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage as DjangoEmail
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Contact
from mail.models import Direction, EmailMessage, EmailTemplate, MailMerge, MailMergeRecipient
from mail.parsing import Attachment, safe_filename
from mail.services import delete_files, log_email_interaction, save_attachments

logger = logging.getLogger("mail")

MERGE_FIELDS = {
    "first_name": "The contact's first name",
    "last_name": "The contact's last name",
    "organisation": "The organisation's name",
    "tier": "The pledge's sponsorship tier",
    "amount": "The pledge's amount, e.g. £2,500",
    "event": "The pledge's event",
    "sender_name": "Your name",
    "portal_link": "The sponsor's personal portal link (sponsor portal emails only)",
    "portal_missing": "What the sponsor has still to give in the portal (sponsor portal reminders only)",
}
FIELD = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def unknown_fields(text: str) -> list[str]:
    return sorted({name for name in FIELD.findall(text or "") if name not in MERGE_FIELDS})


def validate_template_text(subject: str, body: str) -> None:
    unknown = unknown_fields(subject) + unknown_fields(body)
    if unknown:
        raise ValidationError(
            f"Unknown merge field{'s' if len(unknown) > 1 else ''}: {', '.join(sorted(set(unknown)))}. "
            f"Use {', '.join('{{ ' + f + ' }}' for f in MERGE_FIELDS)}."
        )


def render(text: str, context: dict) -> str:
    return FIELD.sub(lambda m: str(context.get(m.group(1), "")), text or "")


def _pledge_for(organisation, pledge=None):
    if pledge is not None or organisation is None:
        return pledge
    from sponsors.models import Pledge

    return (
        Pledge.objects.filter(organisation=organisation)
        .select_related("tier", "event")
        .order_by("-stage_changed_at", "-id")
        .first()
    )


def merge_context(*, contact=None, organisation=None, pledge=None, user=None) -> dict:
    """The merge fields for one record: a contact, an organisation or a pledge."""
    if organisation is None and contact is not None:
        organisation = contact.organisation
    if organisation is None and pledge is not None:
        organisation = pledge.organisation
    pledge = _pledge_for(organisation, pledge)
    return {
        "first_name": (contact.first_name if contact else "") or "",
        "last_name": (contact.last_name if contact else "") or "",
        "organisation": organisation.name if organisation else "",
        "tier": str(pledge.tier) if pledge and pledge.tier_id else "",
        "amount": f"£{pledge.amount:,.0f}" if pledge else "",
        "event": str(pledge.event) if pledge else "",
        "sender_name": (user.get_full_name() or user.username) if user else "",
    }


def _from_address(user) -> str:
    return settings.DEFAULT_FROM_EMAIL if not (user and user.email) else user.email


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"


def clean_attachments(attachments) -> list[Attachment]:
    """(filename, bytes, mimetype) triples as stored attachments: safe names, non-empty, within
    the size limit a received attachment has, so what is sent is also what is kept."""
    cleaned = []
    limit = settings.MAIL_ATTACHMENT_MAX_BYTES
    for filename, content, mimetype in attachments or ():
        name = safe_filename(filename)
        if not content:
            raise ValidationError(f"The attachment {name} is empty: nothing to send.")
        if len(content) > limit:
            raise ValidationError(
                f"The attachment {name} is {len(content) / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB."
            )
        cleaned.append(
            Attachment(filename=name, content_type=mimetype or "application/octet-stream", data=bytes(content))
        )
    return cleaned


def _deliver(
    *,
    user,
    contact: Contact,
    subject: str,
    body: str,
    message_id: str,
    in_reply_to: str = "",
    connection=None,
    attachments=(),
) -> None:
    headers = {"Message-ID": message_id}
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = in_reply_to
    email = DjangoEmail(
        subject=subject,
        body=body,
        from_email=_from_address(user),
        to=[contact.email],
        headers=headers,
        connection=connection,
    )
    for item in attachments:
        email.attach(item.filename, item.data, item.content_type)
    email.send(fail_silently=False)


def _record(
    *, user, contact, subject, body, message_id, in_reply_to="", attachments=(), saved=None, status=None
) -> EmailMessage:
    """The sent message as an outbound one, its attachments stored as received ones are (their
    stored file names are appended to `saved`, for the caller to delete if the send fails).
    Filed on the contact's timeline unless `status` is SENDING (filed once the server accepts it)."""
    message = EmailMessage.objects.create(
        message_id=message_id,
        from_name=(user.get_full_name() if user else "")[:300],
        from_address=_from_address(user).lower(),
        to_addresses=[contact.email],
        subject=subject[:1000],
        sent_at=timezone.now(),
        body_text=body,
        direction=Direction.OUTBOUND,
        status=status or EmailMessage.Status.FILED,
        source=EmailMessage.Source.SENT,
        in_reply_to=in_reply_to,
        imported_by=user,
    )
    if attachments:
        save_attachments(message, list(attachments), saved if saved is not None else [])
    if message.status == EmailMessage.Status.FILED:
        log_email_interaction(message=message, contact=contact, user=user)
    return message


SEND_KEY = re.compile(r"^[0-9a-f]{32}$")


def new_send_key() -> str:
    """The idempotency key a compose page carries: its message's Message-ID is made from it, so the
    same page sent twice (a double click, a retry after the server died mid-send) sends once."""
    return uuid.uuid4().hex


def _message_id_for(key: str) -> str:
    return f"<crm-send.{key}@{_domain()}>" if SEND_KEY.match(key or "") else make_msgid(domain=_domain())


def already_sent(message: EmailMessage) -> str:
    """Why a message with this key is not sent again, in the words the sender is shown."""
    to = ", ".join(message.to_addresses)
    when = f"{timezone.localtime(message.received_at):%d %b %Y at %H:%M}"
    if message.status != EmailMessage.Status.SENDING:
        return f"This message was already sent to {to} on {when}; it is on the timeline. It was not sent again."
    if message.interrupted:
        return (
            f"This message was interrupted while sending to {to} on {when}: the mail server may or may not "
            "have it, so it was not sent again, to be sure nobody gets it twice. Ask the recipient or look in "
            "the mailbox's sent mail; to send it anyway, open Send email again and write it as a new message."
        )
    return f"This message is being sent to {to} (since {when}); it is not sent twice."


def send_to_contact(
    *, user, contact: Contact, subject: str, body: str, in_reply_to: str = "", attachments=(), key: str = ""
) -> EmailMessage:
    """Send one message over SMTP and file it as outbound with its Message-ID, or neither.

    `attachments` are (filename, bytes, mimetype) triples; they go out with the message and are
    kept with it like a received message's, so the contact's history shows and serves them.
    `key` (new_send_key(), carried by the compose page) makes sending the same page again a
    refusal saying why, never a second message.
    """
    if not user.has_perm("mail.add_emailtemplate"):
        raise PermissionDenied
    return _send_checked(
        user=user,
        contact=contact,
        subject=subject,
        body=body,
        in_reply_to=in_reply_to,
        attachments=attachments,
        key=key,
    )


def _send_checked(
    *, user, contact: Contact, subject: str, body: str, in_reply_to: str = "", attachments=(), key: str = ""
):
    """Commit the message as being sent (with its attachments) before the SMTP conversation, and
    file it once the server accepted it. A process killed in between leaves it "being sent", shown
    as interrupted and never sent again by itself; a server that refuses it leaves nothing.
    (Inside a caller's transaction, as the portal's invitation is, the steps are savepoints of it.)"""
    if not contact.email:
        raise ValidationError(f"{contact} has no email address.")
    if contact.do_not_contact:
        raise ValidationError(f"{contact} is marked do not contact.")
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise ValidationError("Write a subject and a message.")
    validate_template_text(subject, body)
    files = clean_attachments(attachments)
    message_id = _message_id_for(key)
    earlier = EmailMessage.objects.filter(message_id=message_id).first()
    if earlier is not None:
        raise ValidationError(already_sent(earlier))
    saved: list[str] = []
    try:
        with transaction.atomic():
            message = _record(
                user=user,
                contact=contact,
                subject=subject,
                body=body,
                message_id=message_id,
                in_reply_to=in_reply_to,
                attachments=files,
                saved=saved,
                status=EmailMessage.Status.SENDING,
            )
    except IntegrityError:  # the same page sent twice at the same moment: the other one sends it
        delete_files(saved)
        raise ValidationError(already_sent(EmailMessage.objects.get(message_id=message_id))) from None
    except BaseException:
        delete_files(saved)  # the rows rolled back; their files go too
        raise
    try:
        _deliver(
            user=user,
            contact=contact,
            subject=subject,
            body=body,
            message_id=message_id,
            in_reply_to=in_reply_to,
            attachments=files,
        )
    except (smtplib.SMTPException, OSError) as error:
        # Refused or unreachable: the server did not take it, so it was not sent and is not kept.
        with transaction.atomic():
            EmailMessage.objects.filter(pk=message.pk).delete()
        delete_files(saved)
        raise ValidationError(f"The mail server did not accept the message: {error}") from error
    with transaction.atomic():
        EmailMessage.objects.filter(pk=message.pk).update(status=EmailMessage.Status.FILED)
        message.status = EmailMessage.Status.FILED
        log_email_interaction(message=message, contact=contact, user=user)
    return message


def send_template(
    *,
    template: str,
    contact: Contact,
    pledge=None,
    user=None,
    extra: dict | None = None,
    default_subject: str = "",
    default_body: str = "",
) -> EmailMessage:
    """Send the template named `template` to one contact and file it on their timeline.

    Offered to other apps as the action "mail.send_template" (crm.registry), so the sponsor
    portal can send its invitation without importing this app. The first use creates the
    template from `default_subject`/`default_body`; after that the organiser's edited wording is
    used. `extra` fills merge fields only the caller knows (the portal link). `user` None is
    the system (a management command); a user needs the right to send email.
    """
    if user is not None and not user.has_perm("mail.add_emailtemplate"):
        raise PermissionDenied
    row, _ = EmailTemplate.objects.get_or_create(
        name=template, defaults={"subject": default_subject or template, "body": default_body or template}
    )
    context = {**merge_context(contact=contact, pledge=pledge, user=user), **(extra or {})}
    return _send_checked(
        user=user, contact=contact, subject=render(row.subject, context), body=render(row.body, context)
    )


# --- mail merges -----------------------------------------------------------------------------


def skip_reason(contact: Contact) -> str:
    """Why a contact gets no merge message, or "" when they may be written to."""
    if contact.do_not_contact:
        return "Marked do not contact."
    if not contact.lawful_basis:
        return "No lawful basis recorded."
    if contact.lawful_basis == "consent" and not contact.consent_date:
        return "Lawful basis is consent, but no consent date is recorded."
    if not contact.email:
        return "No email address."
    return ""


def skipped_condition():
    """The database form of skip_reason, to count who a merge would skip."""
    from django.db.models import Q

    return (
        Q(do_not_contact=True) | Q(lawful_basis="") | Q(email="") | Q(lawful_basis="consent", consent_date__isnull=True)
    )


@transaction.atomic
def create_merge(*, user, template: EmailTemplate, contacts, description: str = "") -> MailMerge:
    """A merge and its recipient list (who will get it, who is skipped and why)."""
    if not user.has_perm("mail.add_mailmerge"):
        raise PermissionDenied
    contacts = list(contacts)
    if not contacts:
        raise ValidationError("The list is empty: nobody to write to.")
    merge = MailMerge.objects.create(template=template, description=description[:300], created_by=user)
    MailMergeRecipient.objects.bulk_create(
        [
            MailMergeRecipient(
                merge=merge,
                contact=c,
                email=c.email,
                reason=skip_reason(c),
                status=MailMergeRecipient.Status.SKIPPED if skip_reason(c) else MailMergeRecipient.Status.PENDING,
            )
            for c in contacts
        ]
    )
    return merge


def start_merge(merge: MailMerge, *, delay: float = 0):
    """Queue the merge's task (after `delay` seconds, where the task backend can defer)."""
    from mail.tasks import run_mail_merge

    MailMerge.objects.filter(pk=merge.pk).update(heartbeat_at=timezone.now())
    task = run_mail_merge
    if delay and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    return task.enqueue(merge.pk)


class TryLater(Exception):
    """The mail server asked to try later (a 4xx reply) or could not be reached: nothing was sent."""


def retry_delay(retries: int) -> float:
    """Seconds before run `retries + 1`: MAIL_MERGE_RETRY_SECONDS, then twice as long each time."""
    return settings.MAIL_MERGE_RETRY_SECONDS * 2 ** (retries - 1)


def _transient(error: Exception) -> bool:
    """A reply that says "not now" (4xx), for every address refused, or no connection at all."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return False


def resume_merge(*, user, merge: MailMerge):
    """Queue a stopped merge again (after a crash, a restart or a mail server outage). Who was
    sent stays sent; a message interrupted mid-send is reported, never repeated."""
    if not user.has_perm("mail.add_mailmerge"):
        raise PermissionDenied
    waiting = merge.recipients.filter(
        status__in=[MailMergeRecipient.Status.PENDING, MailMergeRecipient.Status.SENDING]
    ).exists()
    if not waiting:
        raise ValidationError("Every recipient of this merge has been handled: nothing to resume.")
    MailMerge.objects.filter(pk=merge.pk).update(status=MailMerge.Status.QUEUED, error="", retries=0)
    transaction.on_commit(lambda: start_merge(merge))


def run_merge(merge_id: int, connection=None) -> str:
    """Send the merge's waiting messages, one per contact. Safe to run again after a crash:
    a recipient is claimed (committed) before its message goes out, and a claim found on
    restart is reported rather than sent again, so nobody gets the same message twice.
    `connection`: a mail connection to send through instead of the settings' (the demo's)."""
    merge = MailMerge.objects.select_related("template", "created_by").get(pk=merge_id)
    user = merge.created_by
    MailMergeRecipient.objects.filter(merge=merge, status=MailMergeRecipient.Status.SENDING).update(
        status=MailMergeRecipient.Status.FAILED,
        reason="Interrupted while sending: not sent again, to be sure it is not sent twice. Check the mailbox.",
    )
    MailMerge.objects.filter(pk=merge.pk).update(status=MailMerge.Status.RUNNING, error="", heartbeat_at=timezone.now())
    from django.core.mail import get_connection

    connection = connection or get_connection(fail_silently=False)
    try:
        pending = MailMergeRecipient.objects.filter(merge=merge, status=MailMergeRecipient.Status.PENDING)
        for recipient_id in list(pending.values_list("pk", flat=True)):
            _send_one(merge, recipient_id, user, connection)
    except TryLater as error:
        return _wait_for_the_server(merge, error)
    except Exception as error:  # the server went away: stop, keep what was sent
        logger.exception("Mail merge %s stopped", merge.pk)
        MailMerge.objects.filter(pk=merge.pk).update(
            status=MailMerge.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        return f"stopped: {error}"
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    MailMerge.objects.filter(pk=merge.pk).update(
        status=MailMerge.Status.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now(), retries=0
    )
    counts = merge_progress(merge)
    return f"sent={counts['sent']} skipped={counts['skipped']} failed={counts['failed']}"


def _wait_for_the_server(merge: MailMerge, error: TryLater) -> str:
    """Queue the merge again with backoff, or stop it after MAIL_MERGE_MAX_RETRIES tries in a row."""
    retries = MailMerge.objects.get(pk=merge.pk).retries + 1
    if retries > settings.MAIL_MERGE_MAX_RETRIES:
        MailMerge.objects.filter(pk=merge.pk).update(
            status=MailMerge.Status.FAILED,
            error=f"The mail server kept asking to try later ({error}); gave up after {retries - 1} tries. "
            "Resume when it is back.",
            finished_at=timezone.now(),
            retries=retries - 1,
        )
        return f"gave up: {error}"
    delay = retry_delay(retries)
    when = timezone.localtime() + datetime.timedelta(seconds=delay)
    MailMerge.objects.filter(pk=merge.pk).update(
        status=MailMerge.Status.WAITING,
        error=f"The mail server asked to try later ({error}); trying again at {when:%H:%M:%S} "
        f"(try {retries} of {settings.MAIL_MERGE_MAX_RETRIES}).",
        retries=retries,
    )
    start_merge(merge, delay=delay)
    return f"waiting: {error}"


def _send_one(merge, recipient_id, user, connection) -> None:
    with transaction.atomic():
        claimed = MailMergeRecipient.objects.filter(pk=recipient_id, status=MailMergeRecipient.Status.PENDING).update(
            status=MailMergeRecipient.Status.SENDING
        )
    if not claimed:
        return  # another worker has it
    recipient = MailMergeRecipient.objects.select_related("contact", "contact__organisation").get(pk=recipient_id)
    contact = recipient.contact
    reason = skip_reason(contact)  # the contact may have changed since the merge was created
    if reason:
        MailMergeRecipient.objects.filter(pk=recipient_id).update(
            status=MailMergeRecipient.Status.SKIPPED, reason=reason
        )
        return
    context = merge_context(contact=contact, user=user)
    subject, body = render(merge.template.subject, context), render(merge.template.body, context)
    message_id = make_msgid(domain=_domain())

    def unclaim():
        MailMergeRecipient.objects.filter(pk=recipient_id).update(status=MailMergeRecipient.Status.PENDING)

    try:
        if getattr(connection, "connection", False) is None:  # SMTP, not yet connected
            connection.open()  # refused or timed out here: nothing was sent
    except (OSError, smtplib.SMTPException) as error:
        unclaim()
        raise TryLater(str(error) or error.__class__.__name__) from error
    try:
        _deliver(user=user, contact=contact, subject=subject, body=body, message_id=message_id, connection=connection)
    except smtplib.SMTPException as error:
        if not _transient(error):
            if isinstance(error, smtplib.SMTPRecipientsRefused):
                _refused(recipient_id, error)
                return
            raise
        # The server answered "not now": the message was not accepted, so it may be sent later.
        unclaim()
        with contextlib.suppress(Exception):
            connection.close()
        code = getattr(error, "smtp_code", None) or next(iter(error.recipients.values()))[0]
        raise TryLater(f"{code}") from error
    with transaction.atomic():
        message = _record(user=user, contact=contact, subject=subject, body=body, message_id=message_id)
        MailMergeRecipient.objects.filter(pk=recipient_id).update(
            status=MailMergeRecipient.Status.SENT, message=message, reason=""
        )
        MailMerge.objects.filter(pk=merge.pk).update(heartbeat_at=timezone.now(), retries=0)


def _refused(recipient_id: int, error: smtplib.SMTPRecipientsRefused) -> None:
    """The server refused this address for good (5xx): this recipient fails, the rest go on."""
    detail = "; ".join(
        f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
        for code, msg in error.recipients.values()
    )
    MailMergeRecipient.objects.filter(pk=recipient_id).update(
        status=MailMergeRecipient.Status.FAILED, reason=f"The mail server refused the address: {detail}"[:300]
    )


def merge_progress(merge: MailMerge) -> dict:
    from django.db.models import Count

    counts = dict(
        MailMergeRecipient.objects.filter(merge=merge)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    total = sum(counts.values())
    done = total - counts.get("pending", 0) - counts.get("sending", 0)
    status = MailMerge.objects.filter(pk=merge.pk).values_list("status", flat=True).first()
    return {
        "status": status,
        "total": total,
        "done": done,
        "sent": counts.get("sent", 0),
        "skipped": counts.get("skipped", 0),
        "failed": counts.get("failed", 0),
        "percent": round(100 * done / total) if total else 100,
    }


# --- documents a record offers (an agreement PDF), attached through crm.registry -----------------


def documents_offered(obj, user) -> list:
    """The documents `obj` offers this user: registered for its model, available, permitted."""
    from crm.registry import documents_for

    if obj is None:
        return []
    return [
        d
        for d in documents_for(obj._meta.label_lower)
        if d.available(obj) and (not d.permission or user.has_perm(d.permission))
    ]


def chosen_documents(obj, names, user) -> list:
    """The documents named, each checked: a name the record does not offer (forged, or a
    declined pledge's agreement) is refused with a clear message rather than ignored."""
    from crm.registry import document

    offered = {d.name: d for d in documents_offered(obj, user)}
    chosen, problems = [], []
    for name in dict.fromkeys(names):  # once each, in order
        if name in offered:
            chosen.append(offered[name])
            continue
        known = document(obj._meta.label_lower, name) if obj is not None and len(name) <= 100 else None
        if known is None:
            problems.append(f"There is no document “{name[:40]}” to attach here.")
        elif not known.available(obj):
            problems.append(f"{known.label} cannot be sent: {_why_unavailable(obj)}")
        else:
            problems.append(f"You may not send {known.label}.")
    if problems:
        raise ValidationError(problems)
    return chosen


def _why_unavailable(obj) -> str:
    stage = getattr(obj, "get_stage_display", None)
    what = obj._meta.verbose_name
    return f"the {what} is {stage().lower()}." if stage else f"this {what} does not have one."


def render_documents(obj, documents) -> list[tuple[str, bytes, str]]:
    """(filename, bytes, mimetype) for each document; a renderer's failure is a clear refusal."""
    files = []
    for doc in documents:
        try:
            files.append(doc.render(obj))
        except Exception as error:  # a broken template or renderer must not lose the message
            logger.exception("Could not render %s for %s", doc.name, obj)
            raise ValidationError(f"Could not produce {doc.label}: {error}") from error
    return files
