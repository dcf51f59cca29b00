"""Reads of the sponsor portal, each in a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from crm import registry
from portal.models import (
    BillingDetails,
    Guest,
    LogoSubmission,
    PortalLink,
    PortalSettings,
    PortalVisit,
    SignedAgreement,
    SponsorAssets,
)
from sponsors.models import CLOSED_LOST_STAGES, PLEDGED_STAGES, Pledge, TicketAllocation


def presence(pledge_ids: list[int]) -> dict[int, dict]:
    """For the public sponsor wall (action "portal.sponsor_presence"): per pledge that has
    anything, whether it is signed, its approved logo, description and website. Never guests or
    billing. Three queries, whatever the number of pledges."""
    ids = [int(i) for i in pledge_ids]
    if not ids:
        return {}
    result: dict[int, dict] = {}

    def entry(pk):
        return result.setdefault(
            pk, {"signed": False, "logo": "", "logo_is_svg": False, "description": "", "website": ""}
        )

    for pk in SignedAgreement.objects.filter(pledge_id__in=ids, voided_at__isnull=True).values_list(
        "pledge_id", flat=True
    ):
        entry(pk)["signed"] = True
    for pk, name, content_type in (
        LogoSubmission.objects.filter(pledge_id__in=ids, status=LogoSubmission.Status.APPROVED)
        .order_by("pledge_id", "-reviewed_at", "-id")
        .values_list("pledge_id", "file", "content_type")
    ):
        if not entry(pk)["logo"]:
            entry(pk)["logo"], entry(pk)["logo_is_svg"] = name, content_type == "image/svg+xml"
    for pk, description, website in SponsorAssets.objects.filter(pledge_id__in=ids).values_list(
        "pledge_id", "description", "website"
    ):
        if description or website:
            entry(pk)["description"], entry(pk)["website"] = description, website
    return result


@dataclass
class PortalPage:
    """Everything the sponsor's page shows."""

    link: PortalLink
    pledge: Pledge
    read_only: str
    agreement: SignedAgreement | None
    billing: BillingDetails | None
    assets: SponsorAssets | None
    logos: list[LogoSubmission]
    guests: list[Guest]
    allowance: int
    documents: list[dict]
    settings: PortalSettings
    benefits: dict = field(default_factory=dict)

    @property
    def logo(self) -> LogoSubmission | None:
        return self.logos[0] if self.logos else None


def tier_benefits(pledge: Pledge) -> dict:
    tier = pledge.tier
    return {
        "logo": bool(tier and tier.logo) or tier is None,
        "speaking": bool(tier and tier.speaking_slot),
        "stand": bool(tier and tier.stand),
        "tickets": bool(tier and tier.ticket_allocation),
    }


def portal_page(link: PortalLink) -> PortalPage:
    """The sponsor's page for a link found by services.find_link (pledge, organisation, event and
    tier already joined): a fixed number of queries."""
    from portal.services import portal_settings, read_only_reason

    pledge = link.pledge
    agreement = SignedAgreement.objects.filter(pledge=pledge, voided_at__isnull=True).defer("pdf").first()
    billing = BillingDetails.objects.filter(pledge=pledge).first()
    assets = SponsorAssets.objects.filter(pledge=pledge).first()
    logos = list(LogoSubmission.objects.filter(pledge=pledge)[:5])
    guests = list(Guest.objects.filter(pledge=pledge))
    tickets = TicketAllocation.objects.filter(pledge=pledge).values_list("allocated", flat=True).first()
    allowance = tickets if tickets is not None else (pledge.tier.ticket_allocation if pledge.tier is not None else 0)
    documents_action = registry.action("invoicing.pledge_documents")
    documents = documents_action(pledge) if documents_action else []
    return PortalPage(
        link=link,
        pledge=pledge,
        read_only=read_only_reason(pledge),
        agreement=agreement,
        billing=billing,
        assets=assets,
        logos=logos,
        guests=guests,
        allowance=allowance,
        documents=documents,
        settings=portal_settings(),
        benefits=tier_benefits(pledge),
    )


def pledge_portal_state(pledge_ids: list[int]) -> dict[int, dict]:
    """The portal's state of each pledge, for the API's pledge representation and the panel:
    invited, last visit, signed, billing/PO given, logo state, guests named. Five queries."""
    ids = [int(i) for i in pledge_ids]
    if not ids:
        return {}
    state: dict[int, dict[str, Any]] = {
        pk: {
            "invited_at": None,
            "link_expires_at": None,
            "link_active": False,
            "last_visit_at": None,
            "signed_at": None,
            "po_given": False,
            "billing_given": False,
            "logo": "",
            "details_given": False,
            "guests": 0,
        }
        for pk in ids
    }
    now = timezone.now()
    for link in PortalLink.objects.filter(pledge_id__in=ids).order_by("pledge_id", "-created_at", "-id"):
        row = state[link.pledge_id]
        if row["invited_at"] is None:
            row["invited_at"] = link.created_at
            row["link_expires_at"] = link.expires_at
            row["link_active"] = link.revoked_at is None and link.expires_at > now
    for pk, at in (
        PortalVisit.objects.filter(pledge_id__in=ids)
        .values("pledge_id")
        .annotate(at=Max("at"))
        .values_list("pledge_id", "at")
    ):
        state[pk]["last_visit_at"] = at
    for pk, at in SignedAgreement.objects.filter(pledge_id__in=ids, voided_at__isnull=True).values_list(
        "pledge_id", "signed_at"
    ):
        state[pk]["signed_at"] = at
    for pk, po in BillingDetails.objects.filter(pledge_id__in=ids).values_list("pledge_id", "po_number"):
        state[pk]["billing_given"], state[pk]["po_given"] = True, bool(po)
    for pk, status in (
        LogoSubmission.objects.filter(pledge_id__in=ids)
        .order_by("pledge_id", "-submitted_at", "-id")
        .values_list("pledge_id", "status")
    ):
        state[pk]["logo"] = state[pk]["logo"] or status
    for pk, description in SponsorAssets.objects.filter(pledge_id__in=ids).values_list("pledge_id", "description"):
        state[pk]["details_given"] = bool(description)
    for pk, n in (
        Guest.objects.filter(pledge_id__in=ids)
        .values("pledge_id")
        .annotate(n=Count("id"))
        .values_list("pledge_id", "n")
    ):
        state[pk]["guests"] = n
    return state


def api_state(pledge_ids: list[int]) -> dict[int, dict]:
    """JSON-ready portal state for the API (crm.registry.register_api_field)."""

    def iso(value):
        return value.isoformat() if value else None

    out = {}
    for pk, row in pledge_portal_state(pledge_ids).items():
        out[pk] = {
            "invited_at": iso(row["invited_at"]),
            "link_active": row["link_active"],
            "last_visit_at": iso(row["last_visit_at"]),
            "signed": row["signed_at"] is not None,
            "signed_at": iso(row["signed_at"]),
            "po_given": row["po_given"],
            "logo": row["logo"] or None,
            "details_given": row["details_given"],
            "guests": row["guests"],
        }
    return out


MISSING_LABELS = {
    "signed": "the signed agreement",
    "po": "a purchase-order number",
    "logo": "a logo",
    "guests": "the names of your guests",
}


def what_is_missing(event) -> list[dict]:
    """Per pledged sponsor of the event: what it has not given (signature, PO, logo, guests).
    A fixed number of queries."""
    pledges = list(
        Pledge.objects.filter(event=event, stage__in=PLEDGED_STAGES)
        .select_related("organisation", "tier", "owner")
        .order_by("organisation__name", "id")
    )
    state = pledge_portal_state([p.pk for p in pledges])
    allocations = dict(
        TicketAllocation.objects.filter(pledge__in=[p.pk for p in pledges]).values_list("pledge_id", "allocated")
    )
    rows = []
    for pledge in pledges:
        s = state[pledge.pk]
        allowance = allocations.get(pledge.pk, pledge.tier.ticket_allocation if pledge.tier is not None else 0)
        wants_logo = pledge.tier is None or pledge.tier.logo
        missing = []
        if s["signed_at"] is None:
            missing.append("signed")
        if not s["po_given"]:
            missing.append("po")
        if wants_logo and s["logo"] != LogoSubmission.Status.APPROVED and s["logo"] != LogoSubmission.Status.SUBMITTED:
            missing.append("logo")
        if allowance and not s["guests"]:
            missing.append("guests")
        rows.append({"pledge": pledge, "state": s, "missing": missing, "allowance": allowance})
    return rows


def missing_labels(keys: list[str]) -> list[str]:
    return [MISSING_LABELS[k] for k in keys]


def guest_rows(event):
    """Guests of an event's sponsors, for the export (one query)."""
    return (
        Guest.objects.filter(pledge__event=event)
        .select_related("pledge__organisation")
        .order_by("pledge__organisation__name", "position", "id")
    )


def guests_past_retention(now=None) -> list[dict]:
    """Events whose sponsors' guest details are past PORTAL_GUEST_RETENTION_DAYS after the event
    (the retention report's section). Two queries."""
    from crm.models import Event

    days = int(getattr(settings, "PORTAL_GUEST_RETENTION_DAYS", 90))
    today = timezone.localdate(now) if now else timezone.localdate()
    cutoff = today - datetime.timedelta(days=days)
    rows = (
        Guest.objects.filter(pledge__event__date__lt=cutoff)
        .values("pledge__event")
        .annotate(n=Count("id"))
        .values_list("pledge__event", "n")
    )
    counts = dict(rows)
    events = Event.objects.filter(pk__in=counts).order_by("date")
    return [
        {
            "label": f"Guests named by sponsors of {event}",
            "detail": f"The event was on {event.date:%d %b %Y}, more than {days} days ago: delete the guest list.",
            "count": counts[event.pk],
            "url": reverse("portal:guests_delete", args=[event.pk]),
        }
        for event in events
    ]


def closed(pledge: Pledge) -> bool:
    return pledge.stage in CLOSED_LOST_STAGES


def visits(pledge: Pledge, limit: int = 5) -> list[PortalVisit]:
    return list(PortalVisit.objects.filter(pledge=pledge)[:limit])
