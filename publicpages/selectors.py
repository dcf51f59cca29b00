"""Reads the public pages and the organiser's pages share. Each runs a fixed number of queries
whatever the number of tiers, sponsors or applications."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.http import Http404

from crm import registry
from crm.models import Event
from publicpages import wallcache
from publicpages.models import Application, InKindCredit, PublicPage
from sponsors.models import CLOSED_LOST_STAGES, InKindContribution, Pledge, SponsorshipTier, Stage

#: Stages at which a pledge is on the wall without a signed agreement: confirmed in writing or later.
WALL_STAGES = (Stage.CONFIRMED, Stage.INVOICED, Stage.PAID)
#: In-kind offers that may be credited (a declined offer never is).
CREDITABLE_IN_KIND = (InKindContribution.Status.CONFIRMED, InKindContribution.Status.DELIVERED)
#: Logo sizes the wall serves (width, height), thumbnails generated once.
LOGO_SIZES = {"large": (360, 180), "small": (200, 100)}


def page_for(slug: str, switch: str) -> PublicPage:
    """The event's public page with `switch` ("prospectus_on", "application_on", "wall_on") on,
    and its event, in one query; 404 when unknown or off."""
    page = PublicPage.objects.select_related("event").filter(slug=slug, **{switch: True}).first()
    if page is None:
        raise Http404("No such page.")
    return page


def wall_page(slug: str) -> tuple[PublicPage, int]:
    """The event's page with its wall on, and the walls' version (publicpages/wallcache.py), in one
    query; 404 when unknown or off. The version is read before any of the wall's data."""
    page = (
        PublicPage.objects.select_related("event")
        .filter(slug=slug, wall_on=True)
        .annotate(wall_version=wallcache.version_subquery())
        .first()
    )
    if page is None:
        raise Http404("No such page.")
    version = page.wall_version
    return page, version if version is not None else wallcache.current()


def page_of_event(event: Event) -> PublicPage | None:
    return PublicPage.objects.filter(event=event).first()


@dataclass
class TierOffer:
    """A tier as the prospectus shows it: price, benefits and the slots left right now."""

    id: int
    name: str
    price: Decimal
    slots: int
    taken: int
    benefits: list[str]

    @property
    def left(self) -> int:
        return max(self.slots - self.taken, 0)

    @property
    def sold_out(self) -> bool:
        return self.left == 0


def taken_slots_filter() -> Q:
    """The pledges that hold a tier's slot: any not declined or withdrawn."""
    return ~Q(pledges__stage__in=CLOSED_LOST_STAGES)


def tier_offers(event: Event) -> list[TierOffer]:
    """Every tier of the event, dearest first, with its slots left, live (one query)."""
    tiers = (
        SponsorshipTier.objects.filter(event=event)
        .annotate(taken=Count("pledges", filter=taken_slots_filter()))
        .order_by("-price", "name")
    )
    return [
        TierOffer(id=t.pk, name=t.name, price=t.price, slots=t.slots, taken=t.taken, benefits=t.benefit_list())
        for t in tiers
    ]


def slots_taken(tier: SponsorshipTier) -> int:
    return Pledge.objects.filter(tier=tier).exclude(stage__in=CLOSED_LOST_STAGES).count()


def network_details() -> dict:
    """The network's name, address and email from invoicing (through crm.registry), or defaults."""
    provider = registry.action("invoicing.network_details")
    details = provider() if provider else {}
    return {
        "name": details.get("name") or "",
        "address": details.get("address") or "",
        "email": details.get("email") or "",
    }


# --- the sponsor wall ------------------------------------------------------------------------------


@dataclass
class WallEntry:
    name: str
    website: str
    description: str
    logo: str = ""  # default_storage name of the approved logo, "" for none
    logo_is_svg: bool = False
    pledge_id: int | None = None

    def logo_key(self) -> str:
        """Changes with the approved logo, so its URL can be cached for good."""
        return hashlib.sha256(self.logo.encode()).hexdigest()[:12] if self.logo else ""


@dataclass
class WallGroup:
    name: str
    entries: list[WallEntry] = field(default_factory=list)


@dataclass
class Wall:
    page: PublicPage
    tiers: list[WallGroup]
    in_kind: list[WallEntry]

    @property
    def empty(self) -> bool:
        return not self.in_kind and not any(g.entries for g in self.tiers)


def presence_of(pledge_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What the sponsor portal knows of each pledge (signed, approved logo, description, website),
    through crm.registry; empty without the portal."""
    provider = registry.action("portal.sponsor_presence")
    if provider is None or not pledge_ids:
        return {}
    return provider(list(pledge_ids)) or {}


def sponsor_wall(page: PublicPage) -> Wall:
    """Signed sponsors grouped by tier in tier order, then credited in-kind suppliers.

    A sponsor is on the wall when its pledge is confirmed in writing or later, or its agreement
    was signed in the portal, and it is neither declined nor withdrawn. Only an approved logo is
    ever shown (the portal gives none other). Queries: pledges, in-kind, plus the portal's own.
    """
    # Plain rows, not model instances: 200 sponsors' pledges, organisations and tiers as objects
    # cost more than everything else the wall does.
    pledges = list(
        Pledge.objects.filter(event_id=page.event_id)
        .exclude(stage__in=CLOSED_LOST_STAGES)
        .order_by("organisation__name", "id")
        .values_list(
            "id",
            "stage",
            "tier_id",
            "tier__name",
            "tier__price",
            "organisation_id",
            "organisation__name",
            "organisation__website",
        )
    )
    presence = presence_of([row[0] for row in pledges])
    groups: dict[int | None, WallGroup] = {}
    order: dict[int | None, tuple] = {}
    seen: set[tuple[int | None, int]] = set()
    for pk, stage, tier_id, tier_name, tier_price, org_id, org_name, org_website in pledges:
        found = presence.get(pk) or {}
        if stage not in WALL_STAGES and not found.get("signed"):
            continue
        if (tier_id, org_id) in seen:  # two pledges of one organisation at one tier: shown once
            continue
        seen.add((tier_id, org_id))
        if tier_id not in groups:
            groups[tier_id] = WallGroup(tier_name if tier_id else "Sponsors")
            order[tier_id] = (0, -tier_price, tier_name) if tier_id else (1, 0, "")
        groups[tier_id].entries.append(
            WallEntry(
                name=org_name,
                website=_safe_url(found.get("website") or org_website),
                description=(found.get("description") or "").strip(),
                logo=found.get("logo") or "",
                logo_is_svg=bool(found.get("logo_is_svg")),
                pledge_id=pk,
            )
        )
    credited = (
        InKindCredit.objects.filter(
            credit_publicly=True,
            contribution__event_id=page.event_id,
            contribution__status__in=CREDITABLE_IN_KIND,
        )
        .order_by("contribution__organisation__name", "contribution_id")
        .values_list(
            "contribution__organisation_id",
            "contribution__organisation__name",
            "contribution__organisation__website",
            "contribution__category",
        )
    )
    categories = dict(InKindContribution.Category.choices)
    in_kind: list[WallEntry] = []
    seen_orgs: set[int] = set()
    for org_id, org_name, org_website, category in credited:
        label = str(categories.get(category, category))
        if org_id in seen_orgs:
            if label.lower() not in in_kind[-1].description.lower():
                in_kind[-1].description += f"; {label.lower()}"
            continue
        seen_orgs.add(org_id)
        in_kind.append(WallEntry(name=org_name, website=_safe_url(org_website), description=label))
    tiers = [groups[key] for key in sorted(groups, key=lambda k: order[k])]
    return Wall(page=page, tiers=tiers, in_kind=in_kind)


def _safe_url(url: str) -> str:
    """Only http(s) links reach a public page (never javascript: or data:)."""
    url = (url or "").strip()
    if url and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url) and not url.startswith("//"):
        url = "https://" + url  # "acme.example" as typed
    return url if url.lower().startswith(("https://", "http://")) else ""


def wall_logo(page: PublicPage, pledge_id: int) -> WallEntry | None:
    """One pledge's wall entry when it is on the wall with an approved logo (two queries and the portal's)."""
    pledge = (
        Pledge.objects.filter(pk=pledge_id, event_id=page.event_id)
        .exclude(stage__in=CLOSED_LOST_STAGES)
        .select_related("organisation")
        .first()
    )
    if pledge is None:
        return None
    found = presence_of([pledge.pk]).get(pledge.pk) or {}
    if (pledge.stage not in WALL_STAGES and not found.get("signed")) or not found.get("logo"):
        return None
    return WallEntry(
        name=pledge.organisation.name,
        website="",
        description="",
        logo=found["logo"],
        logo_is_svg=bool(found.get("logo_is_svg")),
        pledge_id=pledge.pk,
    )


# --- the organiser's pages -------------------------------------------------------------------------


def applications(page: PublicPage):
    return Application.objects.filter(page=page).select_related("pledge__tier", "organisation", "contact")


def creditable_in_kind(event: Event):
    """The event's in-kind offers a supplier could be credited for, with their credit (one query)."""
    return (
        InKindContribution.objects.filter(event=event)
        .exclude(status=InKindContribution.Status.DECLINED)
        .select_related("organisation", "public_credit")
        .order_by("organisation__name", "id")
    )
