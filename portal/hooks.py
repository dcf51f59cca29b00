"""What the sponsor portal adds to the core through crm.registry (called from PortalConfig.ready)."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from crm import registry


def _guests_of(contact):
    from portal.models import Guest

    if not contact.email:
        return Guest.objects.none()
    return Guest.objects.filter(email__iexact=contact.email)


def _agreements_of(contact):
    from portal.models import SignedAgreement

    condition = Q(contact=contact)
    if contact.email:
        condition |= Q(signer_email__iexact=contact.email)
    return SignedAgreement.objects.filter(condition)


def subject_access_rows(contact) -> list[dict]:
    """Guests named with this person's address, and agreements they signed."""
    rows = [
        {
            "kind": "Guest of a sponsor",
            "pledge": g.pledge_id,
            "organisation": g.pledge.organisation.name,
            "event": g.pledge.event.name,
            "name": g.name,
            "email": g.email,
            "dietary needs": g.dietary,
            "access needs": g.access,
            "named at": g.created_at.isoformat(),
        }
        for g in _guests_of(contact).select_related("pledge__organisation", "pledge__event")
    ]
    rows += [
        {
            "kind": "Signed sponsorship agreement",
            "pledge": a.pledge_id,
            "organisation": a.organisation_name,
            "signer name": a.signer_name,
            "job title": a.signer_title,
            "email": a.signer_email,
            "signed at": a.signed_at.isoformat(),
            "IP address": a.ip_address or "",
            "SHA-256": a.sha256,
            "voided": bool(a.voided_at),
        }
        for a in _agreements_of(contact).defer("pdf")
    ]
    return rows


def erase(contact, user) -> None:
    """Guests with this person's address are deleted; agreements they signed keep their hash and
    the fact of signature, but lose the signer's name, address, IP and the PDF bytes (its last
    page names the signer)."""
    from portal.models import PortalLink, SignedAgreement

    _guests_of(contact).delete()
    for agreement in _agreements_of(contact):
        agreement.signer_name = f"Erased person #{contact.pk}"
        agreement.signer_title = ""
        agreement.signer_email = ""
        agreement.ip_address = None
        agreement.pdf = b""
        agreement.contact = None
        agreement.erased_at = timezone.now()
        agreement.save()
    SignedAgreement.history.filter(Q(contact_id=contact.pk) | Q(signer_email__iexact=contact.email or "\0")).update(
        signer_name=f"Erased person #{contact.pk}", signer_title="", signer_email="", ip_address=None
    )
    PortalLink.objects.filter(contact=contact).update(email="", contact=None)
    if contact.email:
        PortalLink.objects.filter(email__iexact=contact.email).update(email="")
        PortalLink.history.filter(email__iexact=contact.email).update(email="")
    from portal.models import Guest

    Guest.history.filter(email__iexact=contact.email or "\0").update(name="Erased", email="", dietary="", access="")


def register() -> None:
    from portal import demo, panels, selectors

    registry.register_role_rules("portal")
    registry.register_event_type("agreement.signed", "A sponsor signed the agreement in the sponsor portal")
    registry.register_event_type("asset.submitted", "A sponsor sent a logo or company details in the sponsor portal")
    registry.register_event_type("guests.changed", "A sponsor changed its guest list in the sponsor portal")
    registry.register_subject_access_section("sponsor_portal", subject_access_rows)
    registry.register_erasure_hook("sponsor_portal", erase)
    registry.register_api_field("sponsors.pledge", "portal", selectors.api_state)
    registry.register_panel(
        registry.Panel(
            slot="pledge",
            name="portal",
            template="portal/panels/pledge.html",
            context=panels.pledge_panel,
            permission="portal.view_portallink",
            order=15,
        )
    )
    registry.register_panel(
        registry.Panel(
            slot="event",
            name="portal",
            template="portal/panels/event.html",
            context=panels.event_panel,
            permission="portal.view_portallink",
            order=60,
        )
    )
    registry.register_demo_step(registry.DemoStep(name="portal", run=demo.run, order=60))
    registry.register_retention_section(
        registry.RetentionSection(
            name="portal_guests",
            title="Sponsors' guest lists",
            rows=selectors.guests_past_retention,
            permission="portal.delete_guest",
        )
    )
