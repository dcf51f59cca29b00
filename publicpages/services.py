"""Writes of the public pages: the organiser's settings, in-kind credits, and an application.

`submit_application` is the whole job of one application, in one transaction: the tier's row is
locked so two applicants for its last slot cannot both take it; the organisation and contact are
matched by the core's normal forms; the pledge goes through sponsors' services. Emails go out
only once the transaction has committed (a refused application sends nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm import registry
from crm.models import Contact, Interaction, LawfulBasis, Organisation
from crm.normalise import email_key, organisation_key
from crm.services import save_contact, save_organisation
from crm.services.followups import create_followup
from crm.transactions import retry_when_sqlite_is_locked
from publicpages.models import ACK_FIELDS, Application, InKindCredit, PublicPage
from publicpages.selectors import network_details, slots_taken
from sponsors.models import InKindContribution, SponsorshipTier, Stage
from sponsors.services import create_pledge

logger = logging.getLogger("publicpages")

SOURCE = "application form"
APPLIED_EVENT = "pledge.applied"
FIELD = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class SoldOut(ValidationError):
    """The tier's last slot went while the applicant was filling in the form."""


# --- the organiser's settings --------------------------------------------------------------------


def validate_merge_fields(text: str, allowed=ACK_FIELDS) -> None:
    unknown = sorted({name for name in FIELD.findall(text or "") if name not in allowed})
    if unknown:
        raise ValidationError(
            f"Unknown merge field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"Use {', '.join('{{ ' + f + ' }}' for f in allowed)}."
        )


def render_fields(text: str, context: dict) -> str:
    """Merge fields replaced by plain text, never evaluated as template code."""
    return FIELD.sub(lambda m: str(context.get(m.group(1), "")), text or "")


@transaction.atomic
def save_public_page(page: PublicPage, *, credited: list[int] | None = None, user=None) -> PublicPage:
    """Save an event's public-page settings and, when given, which in-kind offers are credited."""
    errors = {}
    for name in ("ack_subject", "ack_body"):
        try:
            validate_merge_fields(getattr(page, name))
        except ValidationError as error:
            errors[name] = error.messages
    try:
        validate_merge_fields(page.thank_you, {"event": ""})
    except ValidationError as error:
        errors["thank_you"] = error.messages
    if errors:
        raise ValidationError(errors)
    page.full_clean()
    page.save()
    if credited is not None:
        set_in_kind_credits(page, credited)
    return page


@transaction.atomic
def set_in_kind_credits(page: PublicPage, credited: list[int]) -> None:
    """Credit exactly these in-kind offers of the page's event on its wall (the others not)."""
    offers = list(InKindContribution.objects.filter(event_id=page.event_id).values_list("id", flat=True))
    wanted = set(credited) & set(offers)
    existing = {c.contribution_id: c for c in InKindCredit.objects.filter(contribution_id__in=offers)}
    for offer in offers:
        credit = existing.get(offer)
        if credit is None and offer in wanted:
            InKindCredit.objects.create(contribution_id=offer, credit_publicly=True)
        elif credit is not None and credit.credit_publicly != (offer in wanted):
            credit.credit_publicly = offer in wanted
            credit.save()


# --- an application --------------------------------------------------------------------------------


@dataclass
class ApplicationData:
    """What the form collected, cleaned and within its size limits."""

    organisation: str
    contact_name: str
    email: str
    phone: str
    tier_id: int
    billing_address: str
    po_number: str
    message: str
    consent: bool
    website: str = ""

    def as_dict(self, tier_name: str) -> dict:
        return {
            "organisation": self.organisation,
            "contact_name": self.contact_name,
            "email": self.email,
            "phone": self.phone,
            "tier": tier_name,
            "tier_id": self.tier_id,
            "billing_address": self.billing_address,
            "po_number": self.po_number,
            "message": self.message,
            "website": self.website,
            "consent": self.consent,
        }


def ip_hash(ip: str) -> str:
    """A keyed hash of the address: the same address gives the same hash, but no address is stored."""
    return hmac.new(settings.SECRET_KEY.encode(), (ip or "").encode(), hashlib.sha256).hexdigest()


def split_name(name: str) -> tuple[str, str]:
    words = " ".join((name or "").split()).split(" ")
    if len(words) == 1:
        return words[0], ""
    return " ".join(words[:-1]), words[-1]


def _organisation(data: ApplicationData) -> tuple[Organisation, bool]:
    found = Organisation.objects.filter(name_key=organisation_key(data.organisation)).first()
    if found is not None:
        if not found.is_sponsor:
            found.is_sponsor = True
            found.save(update_fields=["is_sponsor", "updated_at"])
        return found, True
    organisation = Organisation(name=data.organisation, website=data.website)
    return save_organisation(organisation, roles=["sponsor"]), False


def _contact(data: ApplicationData, organisation: Organisation, today) -> tuple[Contact, bool]:
    found = Contact.objects.filter(email=email_key(data.email)).first()
    if found is not None:
        found.lawful_basis, found.consent_date = LawfulBasis.CONSENT, today
        if not found.phone and data.phone:
            found.phone = data.phone
        if found.organisation_id is None:
            found.organisation = organisation
        return save_contact(found), True
    first, last = split_name(data.contact_name)
    contact = Contact(
        first_name=first[:100],
        last_name=last[:100],
        email=data.email,
        phone=data.phone,
        organisation=organisation,
        lawful_basis=LawfulBasis.CONSENT,
        consent_date=today,
        source=SOURCE,
    )
    return save_contact(contact), False


def submit_application(page: PublicPage, data: ApplicationData, *, ip: str = "") -> Application:
    """Turn one application into a verbal pledge for the chosen tier, all or nothing.

    Refuses (ValidationError) a closed form, a tier of another event, and a tier sold out (SoldOut),
    with nothing written. Afterwards: a follow-up for the page's owner due today, an email to them,
    an acknowledgement to the applicant, a `pledge.applied` webhook and, with "invite on
    application" on, the applicant's portal link (on `application.portal_link`).
    """
    if not data.consent:
        raise ValidationError({"consent": "Tick the box to agree that we may contact you about your application."})
    try:
        application = _submit(page, data, ip)
    except IntegrityError as error:  # another applicant created the same organisation this instant
        logger.warning("application for %s clashed: %s", page.slug, error)
        raise ValidationError("Someone else was applying at the same moment: please send the form again.") from error
    return application


@retry_when_sqlite_is_locked
@transaction.atomic
def _submit(page: PublicPage, data: ApplicationData, ip: str) -> Application:
    page = PublicPage.objects.select_related("event", "owner").get(pk=page.pk)
    if not page.application_on:
        raise ValidationError("Applications for this event are closed.")
    tier = SponsorshipTier.objects.select_for_update().filter(pk=data.tier_id, event_id=page.event_id).first()
    if tier is None:
        raise ValidationError({"tier": "Choose one of the packages listed."})
    if slots_taken(tier) >= tier.slots:
        raise SoldOut({"tier": f"Sorry, the {tier.name} package has just sold out. Please choose another."})
    now = timezone.now()
    today = timezone.localdate(now)
    organisation, matched_org = _organisation(data)
    contact, matched_contact = _contact(data, organisation, today)
    notes = [f"Source: {SOURCE} (/sponsor/{page.slug}/), {timezone.localtime(now):%d %b %Y %H:%M}."]
    if data.po_number:
        notes.append(f"PO number: {data.po_number}")
    if data.billing_address:
        notes.append(f"Billing address:\n{data.billing_address}")
    if data.message:
        notes.append(f"Message:\n{data.message}")
    pledge = create_pledge(
        organisation=organisation,
        event=page.event,
        tier=tier,
        amount=None,
        stage=Stage.VERBAL,
        owner=page.owner,
        notes="\n\n".join(notes),
        changed_at=now,
    )
    Interaction.objects.create(
        organisation=organisation,
        contact=contact,
        kind=Interaction.Kind.MESSAGE,
        direction=Interaction.Direction.INBOUND,
        occurred_at=now,
        summary=f"Applied to sponsor {page.event.name} ({tier.name}) through the {SOURCE}"[:300],
        outcome=data.message[:2000],
    )
    create_followup(
        title=f"New sponsor application: {organisation.name}, {tier.name}",
        notes=f"{contact.full_name or contact.email} ({contact.email}) applied through /sponsor/{page.slug}/.",
        due_date=today,
        assignee=page.owner,
        organisation=organisation,
        contact=contact,
        pledge=pledge,
    )
    application = Application.objects.create(
        page=page,
        pledge=pledge,
        organisation=organisation,
        contact=contact,
        submitted=data.as_dict(tier.name),
        ip_hash=ip_hash(ip),
        submitted_at=now,
        consent_at=now,
        matched_organisation=matched_org,
        matched_contact=matched_contact,
    )
    application.portal_link = ""
    application.invite_note = ""
    if page.invite_on_application:
        invite = registry.action("portal.invite")
        if invite is None:
            application.invite_note = "The sponsor portal is not installed: no portal link was sent."
        else:
            try:
                with transaction.atomic():
                    application.portal_link = invite(pledge, email=contact.email, user=None) or ""
            except Exception:  # the application stands; the organiser can invite by hand
                logger.exception("portal invite failed for pledge %s", pledge.pk)
                application.invite_note = "The portal link could not be made: the organiser will send it."
            if application.portal_link:
                application.invited = True
                application.save(update_fields=["invited"])
    registry.publish_event(APPLIED_EVENT, lambda: applied_payload(application))
    link = application.portal_link
    transaction.on_commit(lambda: send_application_emails(application.pk, portal_link=link))
    return application


def applied_payload(application: Application) -> dict:
    pledge = application.pledge
    assert pledge is not None  # just created, in the same transaction
    return {
        "pledge": pledge.pk,
        "event": application.page.event_id,
        "event_slug": application.page.slug,
        "organisation": {"id": pledge.organisation_id, "name": pledge.organisation.name},
        "tier": application.submitted.get("tier"),
        "amount": str(pledge.amount),
        "stage": pledge.stage,
        "application": application.pk,
        "submitted_at": application.submitted_at.isoformat(),
        "matched_organisation": application.matched_organisation,
    }


def _plain(value: str) -> str:
    """What an applicant typed, with no merge-field braces left to be read as a field."""
    return (value or "").replace("{{", "{ {").replace("}}", "} }")


def send_application_emails(application_id: int, *, portal_link: str = "") -> None:
    """The organiser's notification and the applicant's acknowledgement, after the commit.

    A mail server that refuses is logged; the application stands (the follow-up is there).
    """
    application = Application.objects.select_related("page__event", "page__owner", "contact", "pledge").get(
        pk=application_id
    )
    page, contact, data = application.page, application.contact, application.submitted
    network = network_details()
    context = {
        "first_name": _plain(contact.first_name if contact else ""),
        "last_name": _plain(contact.last_name if contact else ""),
        "organisation": _plain(data.get("organisation", "")),
        "tier": data.get("tier", ""),
        "event": page.event.name,
        "network": network["name"] or "The events team",
        "portal_link": f"Your sponsor portal: {portal_link}" if portal_link else "",
    }
    owner = page.owner
    to_organiser = (owner.email if owner and owner.email else "") or network["email"] or settings.DEFAULT_FROM_EMAIL
    lines = [
        (
            f"{data.get('contact_name')} <{data.get('email')}> applied to sponsor {page.event.name} "
            f"at the {data.get('tier')} level for {data.get('organisation')}."
        ),
        "",
        f"Pledge: {settings.SITE_URL}/pledges/{application.pledge_id}/" if application.pledge_id else "",
        f"Phone: {data.get('phone') or '-'}",
        f"PO number: {data.get('po_number') or '-'}",
        f"Billing address: {data.get('billing_address') or '-'}",
        "",
        data.get("message") or "",
        "",
        "A follow-up due today is on your list."
        if owner
        else "Nobody is set to receive applications: the follow-up has no assignee.",
    ]
    try:
        send_mail(
            f"Sponsor application: {data.get('organisation')} ({data.get('tier')})",
            "\n".join(lines),
            settings.DEFAULT_FROM_EMAIL,
            [to_organiser],
        )
    except Exception:
        logger.exception("could not tell the organiser of application %s", application_id)
    if contact is None or not contact.email:
        return
    subject = render_fields(page.ack_subject, context).strip()
    body = render_fields(page.ack_body, context).strip()
    if portal_link and portal_link not in body:
        body += f"\n\nYour sponsor portal: {portal_link}"
    try:
        send_acknowledgement(contact, application, subject, body, from_email=network["email"])
    except Exception:
        logger.exception("could not acknowledge application %s", application_id)


#: The mail app's template the acknowledgement goes out through: an envelope whose subject and body
#: are the event's own wording (edited on its public-pages settings), so mail sends it and files it
#: on the applicant's timeline like any email the CRM sends.
ACK_TEMPLATE = "Sponsor application acknowledgement"


def send_acknowledgement(
    contact: Contact, application: Application, subject: str, body: str, *, from_email: str
) -> None:
    """Through crm.registry's "mail.send_template" when the mail app offers it; else Django's mail,
    filed as an email interaction on the contact's history."""
    send_template = registry.action("mail.send_template")
    if send_template is not None:
        send_template(
            template=ACK_TEMPLATE,
            contact=contact,
            pledge=application.pledge,
            user=None,
            extra={"ack_subject": subject, "ack_body": body},
            default_subject="{{ ack_subject }}",
            default_body="{{ ack_body }}",
        )
        return
    send_mail(subject, body, from_email or settings.DEFAULT_FROM_EMAIL, [contact.email])
    Interaction.objects.create(
        organisation_id=application.organisation_id,
        contact=contact,
        kind=Interaction.Kind.EMAIL,
        direction=Interaction.Direction.OUTBOUND,
        summary=f"Acknowledgement sent: {subject}"[:300],
        outcome=body[:2000],
    )


# --- personal data duties --------------------------------------------------------------------------


def erase_contact_applications(contact: Contact, user) -> None:
    """Erasure: what the person typed into the form goes; that an application came stays."""
    Application.objects.filter(contact=contact).update(submitted={"erased": True}, ip_hash="", contact=None)


def subject_access_rows(contact: Contact) -> list[dict]:
    return [
        {
            "submitted_at": a.submitted_at.isoformat(),
            "event": a.page.event.name,
            "consent_at": a.consent_at.isoformat() if a.consent_at else None,
            "submitted": a.submitted,
        }
        for a in Application.objects.filter(contact=contact).select_related("page__event")
    ]
