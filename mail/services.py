"""Every write of the email app: filing received messages, triage, sending, mail merges and
erasure. Web views, commands and tasks all call these functions."""

from __future__ import annotations

import errno
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from crm.models import Contact, Interaction
from crm.services.interactions import log_interaction
from mail import parsing
from mail.models import Direction, EmailAttachment, EmailMessage, FiledEmail

logger = logging.getLogger("mail")

LOGGED, DUPLICATE, UNMATCHED, ERROR = "logged", "duplicate", "unmatched", "error"
EXCERPT_CHARS = 1000


@dataclass
class ImportResult:
    """Counts of one import or fetch, by message, and the problems met on the way."""

    logged: int = 0
    duplicates: int = 0
    unmatched: int = 0
    errors: int = 0
    unreadable: int = 0  # messages that could not be read at all (also counted in errors)
    problems: list[str] = field(default_factory=list)

    def add(self, outcome: str, problem: str = "") -> None:
        if outcome == LOGGED:
            self.logged += 1
        elif outcome == DUPLICATE:
            self.duplicates += 1
        elif outcome == UNMATCHED:
            self.unmatched += 1
        else:
            self.errors += 1
        if problem:
            self.problems.append(problem)

    def merge(self, other: ImportResult) -> None:
        for name in ("logged", "duplicates", "unmatched", "errors", "unreadable"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems.extend(other.problems)

    @property
    def summary(self) -> str:
        return f"logged={self.logged} duplicates={self.duplicates} unmatched={self.unmatched} errors={self.errors}"


def crm_user_emails() -> set[str]:
    """Addresses of the CRM's own people: mail from them is outbound."""
    return {
        e.strip().lower()
        for e in get_user_model().objects.filter(is_active=True).exclude(email="").values_list("email", flat=True)
    }


# --- filing ----------------------------------------------------------------------------------


def _excerpt(text: str) -> str:
    text = (text or "").strip()
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rstrip() + " …"


def _summary(subject: str) -> str:
    return (subject or "(no subject)")[:300]


def log_email_interaction(*, message: EmailMessage, contact: Contact, user=None) -> FiledEmail | None:
    """One email interaction for (message, contact), through the core's log_interaction;
    None when the message is already filed on that contact."""
    if FiledEmail.objects.filter(message=message, contact=contact).exists():
        return None
    interaction = log_interaction(
        user=user,
        contact=contact,
        organisation=contact.organisation if contact.organisation_id else None,
        kind=Interaction.Kind.EMAIL,
        occurred_at=message.sent_at,
        summary=_summary(message.subject),
        outcome=_excerpt(message.text),
        direction=message.direction,
    )
    return FiledEmail.objects.create(message=message, contact=contact, interaction=interaction)


def _plan(parsed: parsing.ParsedMessage, user_emails: set[str]):
    """(direction, addresses to file on, date, forwarded_by) for a parsed message."""
    sender, recipients, when, forwarded_by = parsed.sender, parsed.recipients, parsed.date, ""
    if parsed.forward is not None:
        forwarded_by = parsed.sender.email if parsed.sender else ""
        sender, recipients = parsed.forward.sender, parsed.forward.to
        when = parsed.forward.date or parsed.date
    if sender is not None and sender.email in user_emails:
        addresses = [a.email for a in recipients if a.email not in user_emails]
        return Direction.OUTBOUND, addresses, when, forwarded_by
    addresses = [sender.email] if sender else []
    return Direction.INBOUND, addresses, when, forwarded_by


def _contacts_for(addresses: list[str]) -> list[Contact]:
    if not addresses:
        return []
    found = {c.email: c for c in Contact.objects.filter(email__in=set(addresses)).select_related("organisation")}
    ordered, seen = [], set()
    for address in addresses:
        contact = found.get(address)
        if contact is not None and contact.pk not in seen:
            seen.add(contact.pk)
            ordered.append(contact)
    return ordered


def _thread_contacts(reply_to_ids) -> dict[str, list[Contact]]:
    """Contacts the messages with these Message-IDs were filed on: a reply from an address we do
    not know (a personal account, a colleague) joins the thread it answers."""
    ids = {i for i in reply_to_ids if i}
    if not ids:
        return {}
    found: dict[str, list[Contact]] = {}
    rows = (
        Contact.objects.filter(filed_emails__message__message_id__in=ids)
        .annotate(thread=F("filed_emails__message__message_id"))
        .only("id", "email", "organisation_id")
    )
    for contact in rows:
        found.setdefault(contact.thread, []).append(contact)
    return found


def save_attachments(message: EmailMessage, attachments: list[parsing.Attachment], saved: list[str]) -> None:
    EmailAttachment.objects.bulk_create(_attachment_rows(message, attachments, saved))


def delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete %s after a failed save", name)


def file_parsed(
    parsed: parsing.ParsedMessage, *, user=None, source=EmailMessage.Source.IMPORT, user_emails: set[str] | None = None
) -> tuple[str, EmailMessage | None]:
    """Store one parsed message once and file it on the contacts it concerns.

    Returns (outcome, message): a duplicate (same Message-ID, filed, waiting or discarded)
    changes nothing; a message whose people are not contacts waits for triage.
    """
    if EmailMessage.objects.filter(message_id=parsed.message_id).exists():
        return DUPLICATE, None
    if user_emails is None:
        user_emails = crm_user_emails()
    direction, addresses, when, forwarded_by = _plan(parsed, user_emails)
    contacts = _contacts_for(addresses)
    if not contacts and direction == Direction.INBOUND and parsed.in_reply_to:
        contacts = _thread_contacts([parsed.in_reply_to]).get(parsed.in_reply_to, [])
    notes = []
    if when is None:
        when = timezone.now()
        notes.append("No readable Date header: dated when it was received.")
    if parsed.problems:
        notes.append("Parser warnings: " + ", ".join(parsed.problems[:3]))
    saved: list[str] = []
    try:
        with transaction.atomic():
            message = _new_message(
                parsed,
                status=EmailMessage.Status.FILED if contacts else EmailMessage.Status.UNMATCHED,
                direction=direction,
                when=when,
                forwarded_by=forwarded_by,
                notes=notes,
                source=source,
                user=user,
            )
            message.save()
            save_attachments(message, parsed.attachments, saved)
            for contact in contacts:
                log_email_interaction(message=message, contact=contact, user=user)
    except IntegrityError:
        delete_files(saved)
        if EmailMessage.objects.filter(message_id=parsed.message_id).exists():
            return DUPLICATE, None  # the same message arrived through another door meanwhile
        raise
    except BaseException:
        delete_files(saved)
        raise
    return (LOGGED if contacts else UNMATCHED), message


def _new_message(parsed, *, status, direction, when, forwarded_by, notes, source, user) -> EmailMessage:
    return EmailMessage(
        message_id=parsed.message_id,
        from_name=parsed.sender.name if parsed.sender else "",
        from_address=parsed.sender.email if parsed.sender else "",
        to_addresses=[a.email for a in parsed.to],
        cc_addresses=[a.email for a in parsed.cc],
        subject=parsed.subject,
        sent_at=when,
        body_text=parsed.text,
        html_text=parsed.html_text,
        headers=parsed.headers,
        in_reply_to=parsed.in_reply_to,
        direction=direction,
        status=status,
        source=source,
        forwarded_by=forwarded_by,
        note=" ".join(notes)[:500],
        imported_by=user,
    )


def why_not_filed(error: BaseException) -> str:
    """What a person is told when a message could not be filed."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "could not be filed: the disk for attachments is full (nothing of it was kept)"
    return "could not be filed"


def file_batch(
    parsed_messages,
    *,
    user=None,
    source=EmailMessage.Source.IMPORT,
    user_emails: set[str] | None = None,
    reasons: dict[int, str] | None = None,
) -> list[str]:
    """file_parsed for many messages at once: the same rules, a handful of queries per batch
    (an import of 10,000 saved messages is bulk work). All or nothing per batch; when the
    batch cannot be saved whole, each message is filed on its own so one bad message costs
    only itself. Returns one outcome per message, in order; `reasons` (when given) gets why,
    by position, for each message that could not be filed."""
    parsed_messages = list(parsed_messages)
    if user_emails is None:
        user_emails = crm_user_emails()
    ids = [p.message_id for p in parsed_messages]
    known = set(EmailMessage.objects.filter(message_id__in=set(ids)).values_list("message_id", flat=True))
    plans = [_plan(p, user_emails) for p in parsed_messages]
    addresses = {a for plan in plans for a in plan[1]}
    contacts = (
        {c.email: c for c in Contact.objects.filter(email__in=addresses).only("id", "email", "organisation_id")}
        if addresses
        else {}
    )
    threads = _thread_contacts(
        p.in_reply_to
        for p, plan in zip(parsed_messages, plans)
        if plan[0] == Direction.INBOUND and not any(a in contacts for a in plan[1])
    )
    outcomes: list[str] = []
    rows = []  # (parsed, message, contacts)
    seen = set()
    now = timezone.now()
    for parsed, (direction, wanted, when, forwarded_by) in zip(parsed_messages, plans):
        if parsed.message_id in known or parsed.message_id in seen:
            outcomes.append(DUPLICATE)
            continue
        seen.add(parsed.message_id)
        matched = list({contacts[a].pk: contacts[a] for a in wanted if a in contacts}.values())
        if not matched and direction == Direction.INBOUND:
            matched = threads.get(parsed.in_reply_to, [])
        notes = [] if when else ["No readable Date header: dated when it was received."]
        if parsed.problems:
            notes.append("Parser warnings: " + ", ".join(parsed.problems[:3]))
        message = _new_message(
            parsed,
            status=EmailMessage.Status.FILED if matched else EmailMessage.Status.UNMATCHED,
            direction=direction,
            when=when or now,
            forwarded_by=forwarded_by,
            notes=notes,
            source=source,
            user=user,
        )
        rows.append((parsed, message, matched))
        outcomes.append(LOGGED if matched else UNMATCHED)
    if not rows:
        return outcomes
    saved: list[str] = []
    try:
        with transaction.atomic():
            EmailMessage.objects.bulk_create([m for _, m, _ in rows])
            attachments = []
            for parsed, message, _ in rows:
                attachments.extend(_attachment_rows(message, parsed.attachments, saved))
            EmailAttachment.objects.bulk_create(attachments)
            interactions, filings = [], []
            for _, message, matched in rows:
                for contact in matched:
                    interaction = Interaction(
                        organisation_id=contact.organisation_id,
                        contact_id=contact.pk,
                        kind=Interaction.Kind.EMAIL,
                        direction=message.direction,
                        occurred_at=message.sent_at,
                        summary=_summary(message.subject),
                        outcome=_excerpt(message.text),
                        logged_by=user,
                    )
                    interactions.append(interaction)
                    filings.append(FiledEmail(message=message, contact_id=contact.pk, interaction=interaction))
            Interaction.objects.bulk_create(interactions)
            for filing in filings:
                filing.interaction_id = filing.interaction.pk
            FiledEmail.objects.bulk_create(filings)
    except (IntegrityError, ValidationError, ValueError, OSError):
        delete_files(saved)
        # One message spoiled the batch (or arrived meanwhile): file them one by one.
        outcomes = []
        for index, parsed in enumerate(parsed_messages):
            try:
                outcomes.append(file_parsed(parsed, user=user, source=source, user_emails=user_emails)[0])
            except (IntegrityError, ValidationError, ValueError, OSError) as error:
                logger.warning("Could not file %s: %s", parsed.message_id, error)
                outcomes.append(ERROR)
                if reasons is not None:
                    reasons[index] = why_not_filed(error)
    return outcomes


class _Batch:
    """Parsed messages waiting to be filed together (see file_batch)."""

    size = 200

    def __init__(self, *, user, source, result: ImportResult, user_emails):
        self.user, self.source, self.result, self.user_emails = user, source, result, user_emails
        self.items: list[tuple[str, parsing.ParsedMessage]] = []

    def add(self, read, label: str) -> None:
        try:
            parsed = read()
        except parsing.UnreadableMessage as error:
            self.result.unreadable += 1
            self.result.add(ERROR, f"{label}: {error}")
            return
        self.items.append((label, parsed))
        if len(self.items) >= self.size:
            self.flush()

    def flush(self) -> None:
        items, self.items = self.items, []
        if not items:
            return
        reasons: dict[int, str] = {}
        outcomes = file_batch(
            [p for _, p in items], user=self.user, source=self.source, user_emails=self.user_emails, reasons=reasons
        )
        for index, ((label, _), outcome) in enumerate(zip(items, outcomes)):
            why = reasons.get(index, "could not be filed")
            self.result.add(outcome, f"{label}: {why}." if outcome == ERROR else "")


def _attachment_rows(message, attachments, saved) -> list[EmailAttachment]:
    limit = settings.MAIL_ATTACHMENT_MAX_BYTES
    rows = []
    for item in attachments:
        record = EmailAttachment(
            message=message, filename=item.filename[:255], content_type=item.content_type[:150], size=item.size
        )
        if item.size > limit:
            record.skipped = f"Not stored: {item.size / 1048576:.1f} MB is over the {limit / 1048576:.0f} MB limit."
        elif item.size == 0:
            record.skipped = "Empty file: nothing to store."
        else:
            record.file.save(item.filename, ContentFile(item.data), save=False)
            saved.append(record.file.name)
        rows.append(record)
    return rows


def import_bytes(
    data: bytes,
    name: str,
    *,
    user=None,
    source=EmailMessage.Source.IMPORT,
    result: ImportResult | None = None,
    user_emails: set[str] | None = None,
) -> ImportResult:
    """File the message(s) of one saved file: .eml, Outlook .msg or an mbox."""
    result = result if result is not None else ImportResult()
    user_emails = crm_user_emails() if user_emails is None else user_emails
    batch = _Batch(user=user, source=source, result=result, user_emails=user_emails)
    _add_bytes(batch, data, name)
    batch.flush()
    return result


def _add_bytes(batch: _Batch, data: bytes, name: str) -> None:
    lower = name.lower()
    if lower.endswith((".mbox", ".mbx")) or (not lower.endswith((".eml", ".msg")) and parsing.looks_like_mbox(data)):
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".mbox") as handle:
            handle.write(data)
            handle.flush()
            _add_mbox(batch, Path(handle.name), name)
        return
    reader = parsing.read_msg_file if lower.endswith(".msg") else parsing.parse_bytes
    batch.add(lambda: reader(data), name)


def _add_mbox(batch: _Batch, path: Path, label: str) -> None:
    try:
        messages = parsing.split_mbox(path)
    except Exception as error:
        batch.result.unreadable += 1
        batch.result.add(ERROR, f"{label}: not a readable mbox file ({error.__class__.__name__}).")
        return
    if not messages:
        batch.result.unreadable += 1
        batch.result.add(ERROR, f"{label}: no messages in this mbox file.")
    for position, data in messages:
        batch.add(lambda data=data: parsing.parse_bytes(data), f"{label} message {position}")


def import_paths(paths, *, user=None) -> ImportResult:
    """import_email's work: files and folders (searched for .eml, .msg and .mbox)."""
    result = ImportResult()
    batch = _Batch(user=user, source=EmailMessage.Source.IMPORT, result=result, user_emails=crm_user_emails())
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in {".eml", ".msg", ".mbox", ".mbx"}
            )
        else:
            files = [path]
        for file in files:
            try:
                if file.suffix.lower() in {".mbox", ".mbx"} or (
                    file.suffix.lower() not in {".eml", ".msg"} and _starts_like_mbox(file)
                ):
                    _add_mbox(batch, file, str(file))
                    continue
                data = file.read_bytes()
            except OSError as error:
                result.unreadable += 1
                result.add(ERROR, f"{file}: cannot read the file ({error.strerror or error}).")
                continue
            _add_bytes(batch, data, str(file))
    batch.flush()
    return result


def _starts_like_mbox(path: Path) -> bool:
    with open(path, "rb") as handle:
        return parsing.looks_like_mbox(handle.read(2000))


# --- triage ----------------------------------------------------------------------------------


def _require(user, perm):
    if user is not None and not user.has_perm(perm):
        raise PermissionDenied


@transaction.atomic
def file_on_contact(message: EmailMessage, contact: Contact, *, user) -> FiledEmail:
    """File a waiting message on a contact the organiser chose."""
    _require(user, "mail.change_emailmessage")
    message = EmailMessage.objects.select_for_update().get(pk=message.pk)
    if message.status == EmailMessage.Status.DISCARDED:
        raise ValidationError("This message was discarded.")
    filed = log_email_interaction(message=message, contact=contact, user=user)
    if filed is None:
        raise ValidationError(f"This message is already filed on {contact}.")
    message.status = EmailMessage.Status.FILED
    message.save(update_fields=["status"])
    return filed


def _counterpart(message: EmailMessage):
    """The address and name a new contact for this message would have."""
    if message.direction == Direction.OUTBOUND:
        address = next(iter(message.to_addresses), "")
        return address, ""
    return message.from_address, message.from_name


@transaction.atomic
def create_contact_and_file(
    message: EmailMessage, *, user, first_name="", last_name="", email="", organisation=None
) -> FiledEmail:
    """Create the contact a waiting message is from (or to) and file it there, in one step."""
    _require(user, "crm.add_contact")
    address, name = _counterpart(message)
    email = (email or address).strip().lower()
    if not first_name and not last_name and name:
        first_name, _, last_name = name.partition(" ")
    if email and Contact.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "A contact with this email already exists: file the message on them."})
    contact = Contact(
        first_name=first_name.strip()[:100],
        last_name=last_name.strip()[:100],
        email=email,
        organisation=organisation,
        owner=user,
        source="Email",
    )
    contact.full_clean()
    contact.save()
    return file_on_contact(message, contact, user=user)


@transaction.atomic
def discard_message(message: EmailMessage, *, user) -> EmailMessage:
    """Set a waiting message aside. Kept (headers only) so it is a duplicate if it comes again."""
    _require(user, "mail.change_emailmessage")
    message = EmailMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != EmailMessage.Status.UNMATCHED:
        raise ValidationError("Only messages waiting to be filed can be discarded.")
    files = [a.file.name for a in message.attachments.all() if a.file]
    message.attachments.all().delete()
    message.status = EmailMessage.Status.DISCARDED
    message.body_text = message.html_text = ""
    message.save(update_fields=["status", "body_text", "html_text"])
    transaction.on_commit(lambda: delete_files(files))
    return message


# --- data protection -------------------------------------------------------------------------


def erase_contact_emails(contact: Contact, user=None) -> int:
    """Erasure: the person's email interactions, and each message (with its attachment files)
    that no other contact is filed on. Returns the number of messages deleted."""
    filings = FiledEmail.objects.filter(contact=contact).select_related("message")
    message_ids = {f.message_id for f in filings}
    Interaction.objects.filter(filed_email__contact=contact).delete()  # cascades to FiledEmail
    shared = set(FiledEmail.objects.filter(message_id__in=message_ids).values_list("message_id", flat=True))
    doomed = EmailMessage.objects.filter(pk__in=message_ids - shared)
    if contact.email:
        # Waiting or discarded messages from them, never filed on anyone.
        doomed = doomed | EmailMessage.objects.filter(from_address=contact.email, filings__isnull=True)
        # Messages to them interrupted while sending (never filed: the send was not known to succeed).
        doomed = doomed | EmailMessage.objects.filter(pk__in=being_sent_to(contact))
    files = list(EmailAttachment.objects.filter(message__in=doomed).exclude(file="").values_list("file", flat=True))
    count = doomed.distinct().count()
    EmailMessage.objects.filter(pk__in=list(doomed.values_list("pk", flat=True))).delete()
    transaction.on_commit(lambda: delete_files(files))
    return count


def being_sent_to(contact: Contact) -> list[int]:
    """The messages to this person still "being sent" (outbound.send_to_contact), by pk: a handful at
    most (interrupted sends), matched in Python as SQLite's JSON fields have no `contains`."""
    if not contact.email:
        return []
    address = contact.email.lower()
    sending = EmailMessage.objects.filter(status=EmailMessage.Status.SENDING).values_list("pk", "to_addresses")
    return [pk for pk, to in sending if address in {a.lower() for a in to or []}]


def subject_access_rows(contact: Contact) -> list[dict]:
    """Subject access: every message filed on the person (or interrupted while being sent to them),
    with its text and attachment names."""
    rows = []
    filed = FiledEmail.objects.filter(contact=contact).values("message")
    messages = (
        EmailMessage.objects.filter(Q(pk__in=filed) | Q(pk__in=being_sent_to(contact)))
        .prefetch_related("attachments")
        .order_by("sent_at", "pk")
    )
    for m in messages:
        rows.append(
            {
                "message_id": m.message_id,
                "date": m.sent_at.isoformat(),
                "direction": m.direction,
                "from": m.from_address,
                "to": m.to_addresses,
                "cc": m.cc_addresses,
                "subject": m.subject,
                "text": m.text,
                "attachments": [a.filename for a in m.attachments.all()],
            }
        )
    return rows
