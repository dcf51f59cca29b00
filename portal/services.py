"""Writes of the sponsor portal. Each is one named function doing the whole job, atomically.

The portal composes with the apps beside it through crm.registry only: the agreement PDF is the
"agreement" document invoicing registers for a pledge; the invitation is sent by the action
"mail.send_template"; an invoice is raised by "invoicing.raise_invoice". Stage moves go through
sponsors.services.move_pledge, as the board's do.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import EmailValidator, URLValidator
from django.db import OperationalError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from crm import registry
from crm.models import Contact, Event, FollowUp
from crm.services.followups import create_followup
from portal.models import (
    BillingDetails,
    Guest,
    LogoSubmission,
    PortalLink,
    PortalSettings,
    PortalVisit,
    SignedAgreement,
    SponsorAssets,
    no_control_characters,
)
from portal.uploads import check_logo
from sponsors.models import CLOSED_LOST_STAGES, PLEDGED_STAGES, BenefitDelivery, Pledge, Stage, TicketAllocation
from sponsors.services import allocate_tickets, move_pledge, record_benefit_delivery

INVITE_TEMPLATE = "Sponsor portal invitation"
INVITE_SUBJECT = "Your sponsor portal for {{ event }}"
INVITE_BODY = """Dear {{ first_name }},

Thank you for sponsoring {{ event }}. Everything we need from {{ organisation }} is in one place,
your sponsor portal: sign the agreement, give billing details and a purchase-order number, send
your logo and company description, and name the people using your tickets.

{{ portal_link }}

The link is personal to {{ organisation }}: please do not forward it. It works without an account.

With thanks,
{{ sender_name }}
"""
REMINDER_TEMPLATE = "Sponsor portal reminder"
REMINDER_SUBJECT = "A reminder: your sponsor portal for {{ event }}"
REMINDER_BODY = """Dear {{ first_name }},

A quick reminder about {{ event }}. We still need from {{ organisation }}: {{ portal_missing }}.

Your sponsor portal (a new link; earlier links no longer work):

{{ portal_link }}

With thanks,
{{ sender_name }}
"""
#: Stages from which a sponsor may be invited: a verbal pledge or firmer.
INVITABLE_STAGES = PLEDGED_STAGES
#: Stages the agreement's signature moves a pledge from (to Confirmed in writing).
BEFORE_CONFIRMED = (Stage.PROSPECT, Stage.APPROACHED, Stage.IN_DISCUSSION, Stage.VERBAL)
MAX_GUEST_ROWS = 200


def retry_when_sqlite_is_locked(fn):
    """Run a whole write transaction again when SQLite's shared-cache test database says a table
    is locked (PostgreSQL queues the second writer on the row lock instead). The transaction has
    written nothing yet, so starting again is safe; only the outermost call retries. (The same
    rule as invoicing's, which this app may not import.)"""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for attempt in range(60):
            try:
                return fn(*args, **kwargs)
            except OperationalError as error:
                if connection.vendor != "sqlite" or "locked" not in str(error) or connection.in_atomic_block:
                    raise
                time.sleep(min(0.01 * (attempt + 1), 0.1))
        return fn(*args, **kwargs)

    return wrapper


# --- links ---------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link_days() -> int:
    return int(getattr(settings, "PORTAL_LINK_DAYS", 60))


def portal_path(pledge_id: int, token: str) -> str:
    return f"/portal/{pledge_id}/{token}/"


def portal_url(pledge_id: int, token: str) -> str:
    return settings.SITE_URL.rstrip("/") + portal_path(pledge_id, token)


def portal_settings() -> PortalSettings:
    """The single settings row, or its defaults (unsaved) until the organiser saves it."""
    return PortalSettings.objects.order_by("pk").first() or PortalSettings()


@transaction.atomic
def save_portal_settings(row: PortalSettings, *, user=None) -> PortalSettings:
    row.full_clean()
    row.save()
    return row


def invite_contact(pledge: Pledge, email: str | None = None) -> Contact:
    """Who the invitation goes to: the contact with `email`, else the organisation's first contact
    with an address who may be written to."""
    if email:
        email = email.strip()
        EmailValidator(message=f"“{email[:100]}” is not an email address.")(email)
        same = Contact.objects.filter(email__iexact=email)
        contact = same.filter(organisation_id=pledge.organisation_id).first() or same.first()
        if contact is None:
            raise ValidationError(
                f"Nobody in the CRM has the address {email}: add them as a contact of {pledge.organisation} first."
            )
        return contact
    contact = (
        Contact.objects.filter(organisation_id=pledge.organisation_id, do_not_contact=False)
        .exclude(email="")
        .exclude(email__isnull=True)
        .order_by("id")
        .first()
    )
    if contact is None:
        raise ValidationError(
            f"{pledge.organisation} has no contact with an email address who may be written to: "
            "add one, or give an address."
        )
    return contact


@retry_when_sqlite_is_locked
@transaction.atomic
def create_link(pledge: Pledge, *, contact: Contact | None = None, user=None, now=None) -> tuple[PortalLink, str]:
    """A new link for the pledge (the older ones revoked); returns the link and its token, which
    is shown once and never stored."""
    now = now or timezone.now()
    pledge = Pledge.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=pledge.pk)
    if pledge.stage not in INVITABLE_STAGES:
        raise ValidationError(
            f"This pledge is at “{pledge.get_stage_display()}”: invite the sponsor once it is a verbal pledge or firmer."
        )
    PortalLink.objects.filter(pledge=pledge, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)  # 256 bits
    link = PortalLink.objects.create(
        pledge=pledge,
        token_hash=hash_token(token),
        contact=contact,
        email=(contact.email if contact else "") or "",
        created_at=now,
        expires_at=now + datetime.timedelta(days=link_days()),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    return link, token


@retry_when_sqlite_is_locked
@transaction.atomic
def invite(pledge: Pledge, *, email: str | None = None, user=None) -> str:
    """Invite the pledge's contact to the portal: a new link (older ones revoked) emailed from the
    editable "Sponsor portal invitation" template. Returns the absolute link, to show once.

    Offered to other apps as the action "portal.invite".
    """
    send = registry.action("mail.send_template")
    if send is None:
        raise ValidationError("Email is not available here, so the invitation cannot be sent.")
    contact = invite_contact(pledge, email)
    if contact.do_not_contact:
        raise ValidationError(f"{contact} is marked do not contact: choose another person.")
    link, token = create_link(pledge, contact=contact, user=user)
    url = portal_url(link.pledge_id, token)
    send(
        template=INVITE_TEMPLATE,
        contact=contact,
        pledge=link.pledge,
        user=user if getattr(user, "is_authenticated", False) else None,
        extra={"portal_link": url},
        default_subject=INVITE_SUBJECT,
        default_body=INVITE_BODY,
    )
    return url


@transaction.atomic
def revoke(pledge: Pledge, *, user=None) -> int:
    """Revoke every live link of the pledge; returns how many were live."""
    return PortalLink.objects.filter(pledge=pledge, revoked_at__isnull=True).update(revoked_at=timezone.now())


def find_link(pledge_id: int, token: str, *, now=None) -> PortalLink | None:
    """The live link for this pledge and token, or None (unknown, expired, revoked, another
    pledge's token: all the same to the caller). One query."""
    if not token or len(token) > 100:
        return None
    link = (
        PortalLink.objects.select_related("pledge__organisation", "pledge__event", "pledge__tier", "pledge__owner")
        .filter(token_hash=hash_token(token))
        .first()
    )
    now = now or timezone.now()
    if link is None or link.pledge_id != pledge_id or link.revoked_at is not None or link.expires_at <= now:
        return None
    return link


def record_visit(link: PortalLink, action: str = PortalVisit.Action.VIEWED, detail: str = "") -> PortalVisit:
    return PortalVisit.objects.create(link=link, pledge_id=link.pledge_id, action=action, detail=detail[:200])


def read_only_reason(pledge: Pledge) -> str:
    """Why the portal cannot be changed for this pledge, or ""."""
    if pledge.stage in CLOSED_LOST_STAGES:
        return (
            f"This sponsorship was {pledge.get_stage_display().lower()}, so nothing here can be changed. "
            "If that is a mistake, please reply to the email that brought you here."
        )
    return ""


def _writable(link: PortalLink) -> Pledge:
    """The pledge, locked, refused when it is declined or withdrawn."""
    pledge = (
        Pledge.objects.select_for_update(of=("self",))
        .select_related("organisation", "event", "tier")
        .get(pk=link.pledge_id)
    )
    reason = read_only_reason(pledge)
    if reason:
        raise ValidationError(reason)
    return pledge


def _tell_owner(pledge: Pledge, title: str, notes: str = "") -> None:
    """A follow-up for the pledge's owner, due today, unless the same one is still open."""
    if FollowUp.objects.filter(pledge=pledge, title=title[:300], status=FollowUp.Status.OPEN).exists():
        return
    create_followup(
        title=title[:300],
        notes=notes,
        due_date=timezone.localdate(),
        assignee=pledge.owner,
        organisation=pledge.organisation,
        pledge=pledge,
    )


def _tick_benefit(pledge: Pledge, benefit: str, note: str) -> None:
    row = BenefitDelivery.objects.filter(pledge=pledge, benefit=benefit).first()
    if row is not None and not row.delivered:
        record_benefit_delivery(row, delivered=True, notes=note[:300])


# --- the agreement -------------------------------------------------------------------------


def live_agreement(pledge_id: int) -> SignedAgreement | None:
    return SignedAgreement.objects.filter(pledge_id=pledge_id, voided_at__isnull=True).first()


def agreement_pdf(pledge: Pledge) -> bytes:
    """The agreement as the invoicing app renders it (the "agreement" document of a pledge)."""
    document = registry.document("sponsors.pledge", "agreement")
    if document is None or not document.available(pledge):
        raise ValidationError("There is no agreement to sign for this pledge.")
    _, content, _ = document.render(pledge)
    return content


def _signature_page(context: dict) -> bytes:
    """The final page: who signed, when, from where, and the agreement's SHA-256."""
    from weasyprint import HTML

    def refuse(url, *args, **kwargs):
        raise ValueError("the signature page fetches nothing")

    html = render_to_string("portal/pdf/signature_page.html", context)
    return HTML(string=html, url_fetcher=refuse).write_pdf()


def _append_pages(first: bytes, last: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in (first, last):
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@retry_when_sqlite_is_locked
@transaction.atomic
def sign(
    link: PortalLink,
    *,
    name: str,
    title: str,
    email: str = "",
    authorised: bool,
    ip: str | None = None,
    now=None,
) -> SignedAgreement:
    """Accept the agreement electronically: store the exact PDF with a final signature page, and
    move the pledge to Confirmed in writing as by the sponsor via the portal. A pledge's live
    agreement cannot be signed again (a second submission is refused, not duplicated)."""
    name, title, email = (name or "").strip(), (title or "").strip(), (email or "").strip()
    errors = {}
    for field, value, label in (("name", name, "full name"), ("title", title, "job title")):
        if not value:
            errors[field] = f"Give your {label}."
        elif len(value) > 200:
            errors[field] = f"Your {label} is {len(value)} characters long; the limit is 200."
        else:
            try:
                no_control_characters(value)
            except ValidationError as error:
                errors[field] = error.messages[0]
    if email:
        try:
            EmailValidator(message="Give an email address like name@example.org.")(email)
        except ValidationError as error:
            errors["email"] = error.messages[0]
    pledge = _writable(link)
    if not authorised:
        errors["authorised"] = f"Confirm that you are authorised to sign for {pledge.organisation.name}."
    if errors:
        raise ValidationError(errors)
    if live_agreement(pledge.pk) is not None:
        raise ValidationError("This agreement has already been signed: it cannot be signed again or changed.")
    now = now or timezone.now()
    email = email or link.email
    document = agreement_pdf(pledge)
    document_sha = hashlib.sha256(document).hexdigest()
    page = _signature_page(
        {
            "pledge": pledge,
            "organisation": pledge.organisation.name,
            "name": name,
            "title": title,
            "email": email,
            "signed_at": timezone.localtime(now),
            "ip": ip or "unknown",
            "sha256": document_sha,
        }
    )
    content = _append_pages(document, page)
    contact = Contact.objects.filter(email__iexact=email).first() if email else None
    agreement = SignedAgreement.objects.create(
        pledge=pledge,
        link=link,
        contact=contact or link.contact,
        signer_name=name,
        signer_title=title,
        signer_email=email,
        organisation_name=pledge.organisation.name,
        signed_at=now,
        ip_address=ip or None,
        document_sha256=document_sha,
        sha256=hashlib.sha256(content).hexdigest(),
        pdf=content,
    )
    if pledge.stage in BEFORE_CONFIRMED:
        move_pledge(
            pledge,
            Stage.CONFIRMED,
            user=None,
            note=f"Signed by {name} ({title}) via the sponsor portal",
            changed_at=now,
        )
    record_visit(link, PortalVisit.Action.SIGNED, f"{name}, {title}")
    registry.publish_event("agreement.signed", lambda: agreement_event(agreement))
    _invoice_if_ready(pledge)
    return agreement


def agreement_event(agreement: SignedAgreement) -> dict:
    return {
        "pledge": agreement.pledge_id,
        "organisation": agreement.organisation_name,
        "signed_at": agreement.signed_at.isoformat(),
        "signer_name": agreement.signer_name,
        "signer_title": agreement.signer_title,
        "sha256": agreement.sha256,
    }


@transaction.atomic
def void_agreement(agreement: SignedAgreement, *, reason: str, user=None) -> SignedAgreement:
    """Void a signed agreement (a reason is required); the sponsor may then sign a new one.
    The stored bytes are kept as they were."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the agreement is voided."})
    agreement = SignedAgreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.voided_at:
        raise ValidationError("This agreement is already voided.")
    agreement.voided_at, agreement.voided_reason = timezone.now(), reason[:2000]
    agreement.voided_by = user if getattr(user, "is_authenticated", False) else None
    agreement.save(update_fields=["voided_at", "voided_reason", "voided_by"])
    return agreement


# --- billing -------------------------------------------------------------------------------


@dataclass
class BillingResult:
    billing: BillingDetails
    invoice_number: str = ""


def _clean_text(
    value: str | None, field: str, label: str, limit: int, errors: dict, *, required=True, lines=False
) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = f"Give the {label}."
        return value
    if len(value) > limit:
        errors[field] = f"The {label} is {len(value)} characters long; the limit is {limit}."
        return value
    checked = value.replace("\r\n", "\n").replace("\n", "") if lines else value
    try:
        no_control_characters(checked)
    except ValidationError:
        errors[field] = (
            f"The {label} has control characters (tabs, line breaks and the like): type it again without them."
            if not lines
            else f"The {label} has control characters (tabs and the like): type it again without them."
        )
    return value.replace("\r\n", "\n")


@retry_when_sqlite_is_locked
@transaction.atomic
def save_billing(
    link: PortalLink, *, billing_contact: str, billing_email: str, billing_address: str, po_number: str = ""
) -> BillingResult:
    """The sponsor's billing details and PO. With the organiser's setting on, a PO on a signed
    pledge raises the invoice at once; otherwise the owner gets a follow-up."""
    errors: dict[str, str] = {}
    contact = _clean_text(billing_contact, "billing_contact", "billing contact's name", 200, errors)
    address = _clean_text(billing_address, "billing_address", "billing address", 1000, errors, lines=True)
    po = _clean_text(po_number, "po_number", "purchase-order number", 60, errors, required=False)
    email = (billing_email or "").strip()
    try:
        EmailValidator(message="Give the billing email address, like accounts@example.org.")(email)
    except ValidationError as error:
        errors["billing_email"] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    pledge = _writable(link)
    previous = BillingDetails.objects.filter(pledge=pledge).values_list("po_number", flat=True).first()
    billing, _ = BillingDetails.objects.update_or_create(
        pledge=pledge,
        defaults={"billing_contact": contact, "billing_email": email, "billing_address": address, "po_number": po},
    )
    record_visit(link, PortalVisit.Action.BILLING, f"PO {po}" if po else "")
    number = ""
    if po and po != previous:
        number = _invoice_if_ready(pledge)
    return BillingResult(billing, number)


def _invoice_if_ready(pledge: Pledge) -> str:
    """When the sponsor has signed and given a PO: raise the invoice (setting on) or ask the owner
    to (setting off). Returns the new invoice's number, or ""."""
    billing = BillingDetails.objects.filter(pledge=pledge).first()
    if billing is None or not billing.po_number or live_agreement(pledge.pk) is None:
        return ""
    pledge = Pledge.objects.select_related("organisation", "owner").get(pk=pledge.pk)
    if pledge.stage != Stage.CONFIRMED:  # already invoiced (or paid): the owner sorts out a changed PO
        if pledge.stage in (Stage.INVOICED, Stage.PAID):
            _tell_owner(
                pledge,
                f"{pledge.organisation} gave PO {billing.po_number} in the sponsor portal after the invoice was raised",
                "Check the invoice's purchase-order number; a correction is a credit note and a new invoice.",
            )
        return ""
    raise_invoice = registry.action("invoicing.raise_invoice")
    if portal_settings().raise_invoice_on_po and raise_invoice is not None:
        invoice = raise_invoice(
            pledge,
            po=billing.po_number,
            billing={
                "billing_contact": billing.billing_contact,
                "billing_email": billing.billing_email,
                "billing_address": billing.billing_address,
            },
            notes="Raised when the sponsor gave the purchase order in the sponsor portal.",
        )
        return invoice.number
    _tell_owner(
        pledge,
        f"Raise the invoice for {pledge.organisation}: PO {billing.po_number} given in the sponsor portal",
        f"Billing contact: {billing.billing_contact} <{billing.billing_email}>\nAddress:\n{billing.billing_address}",
    )
    return ""


# --- assets --------------------------------------------------------------------------------


def word_count(text: str) -> int:
    return len((text or "").split())


@retry_when_sqlite_is_locked
@transaction.atomic
def save_assets(link: PortalLink, **fields) -> SponsorAssets:
    """The company description, website, speaker and stand details; what the tier's benefits ask
    for. Ticks the matching benefits and tells the owner."""
    limit = portal_settings().description_word_limit
    errors: dict[str, str] = {}
    cleaned = {
        "description": _clean_text(
            fields.get("description"), "description", "description", 10000, errors, required=False, lines=True
        ),
        "website": (fields.get("website") or "").strip(),
        "speaker_name": _clean_text(
            fields.get("speaker_name"), "speaker_name", "speaker's name", 200, errors, required=False
        ),
        "speaker_title": _clean_text(
            fields.get("speaker_title"), "speaker_title", "speaker's job title", 200, errors, required=False
        ),
        "talk_title": _clean_text(fields.get("talk_title"), "talk_title", "talk title", 300, errors, required=False),
        "talk_abstract": _clean_text(
            fields.get("talk_abstract"), "talk_abstract", "abstract", 5000, errors, required=False, lines=True
        ),
        "stand_needs": _clean_text(
            fields.get("stand_needs"), "stand_needs", "stand requirements", 3000, errors, required=False, lines=True
        ),
    }
    words = word_count(cleaned["description"])
    if "description" not in errors and words > limit:
        errors["description"] = (
            f"The description is {words} words long; the limit is {limit}. Shorten it by {words - limit}."
        )
    if cleaned["website"]:
        if "://" not in cleaned["website"]:
            cleaned["website"] = "https://" + cleaned["website"]
        try:
            URLValidator(schemes=["http", "https"], message="Give the website's address, like https://example.org.")(
                cleaned["website"]
            )
        except ValidationError as error:
            errors["website"] = error.messages[0]
        if len(cleaned["website"]) > 300:
            errors["website"] = "The website's address is longer than 300 characters."
    if errors:
        raise ValidationError(errors)
    pledge = _writable(link)
    assets, _ = SponsorAssets.objects.update_or_create(pledge=pledge, defaults=cleaned)
    today = f"{timezone.localdate():%d %b %Y}"
    if cleaned["speaker_name"] and cleaned["talk_title"]:
        _tick_benefit(pledge, "Speaking slot", f"Speaker and talk sent via the sponsor portal on {today}")
    if cleaned["stand_needs"]:
        _tick_benefit(pledge, "Exhibition stand", f"Stand requirements sent via the sponsor portal on {today}")
    record_visit(link, PortalVisit.Action.ASSETS)
    _tell_owner(pledge, f"Check the details {pledge.organisation} sent in the sponsor portal")
    registry.publish_event("asset.submitted", lambda: {"pledge": pledge.pk, "asset": "details", **_public(assets)})
    return assets


def _public(assets: SponsorAssets) -> dict:
    return {"description": assets.description, "website": assets.website}


@retry_when_sqlite_is_locked
@transaction.atomic
def submit_logo(link: PortalLink, data: bytes, filename: str) -> LogoSubmission:
    """A logo, checked (uploads.check_logo), stored under a name of our choosing, waiting for
    the organiser's approval."""
    checked = check_logo(data, filename or "")
    pledge = _writable(link)
    name = f"{slugify(pledge.organisation.name)[:40] or 'logo'}-{pledge.pk}-{secrets.token_hex(4)}.{checked.extension}"
    logo = LogoSubmission(
        pledge=pledge,
        original_name=(filename or "logo")[:200],
        content_type=checked.content_type,
        width=checked.width,
        height=checked.height,
        size=len(checked.content),
    )
    logo.file.save(name, ContentFile(checked.content), save=False)
    try:  # a file without its row is never left behind: whichever write fails, the stored file goes
        logo.save()
        _tick_benefit(
            pledge, "Logo on event materials", f"Logo sent via the sponsor portal on {timezone.localdate():%d %b %Y}"
        )
        record_visit(link, PortalVisit.Action.LOGO, logo.original_name)
        _tell_owner(pledge, f"Approve or reject the logo {pledge.organisation} sent in the sponsor portal")
    except BaseException:
        logo.file.delete(save=False)
        raise
    registry.publish_event(
        "asset.submitted", lambda: {"pledge": pledge.pk, "asset": "logo", "content_type": logo.content_type}
    )
    return logo


@transaction.atomic
def review_logo(logo: LogoSubmission, *, approve: bool, note: str = "", user=None) -> LogoSubmission:
    """Approve or reject a logo with a note the sponsor sees. A rejection needs the note."""
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "Tell the sponsor why the logo is rejected (they will see the note)."})
    if len(note) > 500:
        raise ValidationError({"note": f"The note is {len(note)} characters long; the limit is 500."})
    logo = LogoSubmission.objects.select_for_update().get(pk=logo.pk)
    logo.status = LogoSubmission.Status.APPROVED if approve else LogoSubmission.Status.REJECTED
    logo.note, logo.reviewed_at, logo.reviewed_by = note, timezone.now(), user
    logo.save()
    if approve:  # one approved logo per pledge: the newest
        for older in LogoSubmission.objects.filter(
            pledge_id=logo.pledge_id, status=LogoSubmission.Status.APPROVED
        ).exclude(pk=logo.pk):
            older.status = LogoSubmission.Status.REJECTED
            older.note = older.note or "Replaced by a newer logo."
            older.save()
    return logo


# --- guests --------------------------------------------------------------------------------


def guest_allowance(pledge: Pledge) -> int:
    """How many guests the pledge may name: its ticket allocation, else its tier's."""
    tickets = TicketAllocation.objects.filter(pledge=pledge).values_list("allocated", flat=True).first()
    if tickets is not None:
        return tickets
    return pledge.tier.ticket_allocation if pledge.tier is not None else 0


def clean_guest_rows(rows: list[dict]) -> tuple[list[dict], dict[int, dict[str, str]]]:
    """The filled rows, cleaned, and errors by row index (blank rows are dropped)."""
    cleaned: list[dict[str, str]] = []
    errors: dict[int, dict[str, str]] = {}
    seen: dict[str, int] = {}
    validate_email = EmailValidator(message="Give an email address like name@example.org.")
    for index, row in enumerate(rows):
        values = {key: (row.get(key) or "").strip() for key in ("name", "email", "dietary", "access")}
        if not any(values.values()):
            continue
        problems: dict[str, str] = {}
        if not values["name"]:
            problems["name"] = "Give the guest's name."
        if not values["email"]:
            problems["email"] = "Give the guest's email address."
        else:
            try:
                validate_email(values["email"])
            except ValidationError as error:
                problems["email"] = error.messages[0]
            key = values["email"].lower()
            if key in seen and "email" not in problems:
                problems["email"] = f"This address is already given for guest {seen[key] + 1}."
            seen.setdefault(key, len(cleaned))
        for key, limit in (("name", 200), ("dietary", 300), ("access", 300)):
            if len(values[key]) > limit:
                problems[key] = f"At most {limit} characters."
            elif key not in problems:
                try:
                    no_control_characters(values[key])
                except ValidationError as error:
                    problems[key] = error.messages[0]
        if problems:
            errors[index] = problems
        cleaned.append(values)
    return cleaned, errors


@retry_when_sqlite_is_locked
@transaction.atomic
def save_guests(link: PortalLink, rows: list[dict]) -> list[Guest]:
    """Replace the pledge's guest list. Within the pledge's allocation and, when the allocation is
    taken up here for the first time, within the event's capacity (the event row locked, so two
    sponsors taking the last seat at once: one succeeds, the other is told it is gone)."""
    if len(rows) > MAX_GUEST_ROWS:
        raise ValidationError(f"At most {MAX_GUEST_ROWS} guests can be sent at once.")
    cleaned, errors = clean_guest_rows(rows)
    if errors:
        raise ValidationError(
            {"guests": [f"Guest {i + 1}: " + "; ".join(p.values()) for i, p in sorted(errors.items())]}
        )
    pledge = _writable(link)
    Event.objects.select_for_update().filter(pk=pledge.event_id).first()  # serialise seat-taking per event
    tickets = TicketAllocation.objects.select_for_update().filter(pledge=pledge).first()
    if tickets is None:
        allowance = pledge.tier.ticket_allocation if pledge.tier is not None else 0
    else:
        allowance = tickets.allocated
    if len(cleaned) > allowance:
        message = (
            f"You have named {len(cleaned)} guests; your sponsorship includes {allowance} "
            f"ticket{'s' if allowance != 1 else ''}. Remove {len(cleaned) - allowance}."
        )
        raise ValidationError({"guests": [message]})
    if tickets is None and cleaned:
        try:
            allocate_tickets(pledge, allocated=allowance, claimed=0)
        except ValidationError:
            raise ValidationError(
                {"guests": [f"{pledge.event} is full: its last places have just been taken. Please contact us."]}
            ) from None
    Guest.objects.filter(pledge=pledge).delete()
    guests = Guest.objects.bulk_create(Guest(pledge=pledge, position=i, **values) for i, values in enumerate(cleaned))
    TicketAllocation.objects.filter(pledge=pledge).update(claimed=len(guests))
    record_visit(link, PortalVisit.Action.GUESTS, f"{len(guests)} named")
    registry.publish_event("guests.changed", lambda: {"pledge": pledge.pk, "guests": len(guests)})
    return guests


# --- reminders -----------------------------------------------------------------------------


@retry_when_sqlite_is_locked
@transaction.atomic
def send_reminder(pledge: Pledge, missing: list[str], *, user=None) -> str:
    """Remind the sponsor what is still missing, with a new link (the old one is revoked, its
    token being unknown to us). Refuses do-not-contact contacts."""
    send = registry.action("mail.send_template")
    if send is None:
        raise ValidationError("Email is not available here.")
    if not missing:
        raise ValidationError(f"{pledge.organisation} has given everything: nothing to remind them of.")
    current = pledge.portal_links.filter(revoked_at__isnull=True).select_related("contact").first()
    contact = current.contact if current is not None and current.contact is not None else invite_contact(pledge)
    if contact.do_not_contact:
        raise ValidationError(f"{contact} is marked do not contact: no reminder sent.")
    if not contact.email:
        raise ValidationError(f"{contact} has no email address.")
    _, token = create_link(pledge, contact=contact, user=user)
    send(
        template=REMINDER_TEMPLATE,
        contact=contact,
        pledge=pledge,
        user=user if getattr(user, "is_authenticated", False) else None,
        extra={"portal_link": portal_url(pledge.pk, token), "portal_missing": ", ".join(missing)},
        default_subject=REMINDER_SUBJECT,
        default_body=REMINDER_BODY,
    )
    return contact.email


@transaction.atomic
def delete_event_guests(event, *, user=None) -> int:
    """Delete the guest lists of an event's sponsors (past their retention); claimed tickets go
    back to 0 so the allocation reads as before."""
    pledges = list(Pledge.objects.filter(event=event).values_list("pk", flat=True))
    deleted, _ = Guest.objects.filter(pledge__in=pledges).delete()
    Guest.history.filter(pledge_id__in=pledges).delete()  # the history holds the same details
    TicketAllocation.objects.filter(pledge__event=event).update(claimed=0)
    return deleted
