"""The portal's part of the demo world (seed_demo, through crm.registry's demo steps): one sponsor
invited, another who has signed, with an approved logo."""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model

from crm.models import Contact
from portal import services
from sponsors.models import Pledge, Stage


def demo_logo(text: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 240), (26, 77, 143))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 780, 220), outline=(255, 255, 255), width=6)
    draw.text((60, 100), text[:40], fill=(255, 255, 255), font_size=48)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def run(today=None) -> None:
    pledges = list(
        Pledge.objects.filter(stage=Stage.VERBAL, organisation__contacts__email__gt="")
        .select_related("organisation", "event", "tier")
        .distinct()
        .order_by("-amount", "id")[:2]
    )
    if len(pledges) < 2:
        return
    organiser = get_user_model().objects.filter(username="organiser").first()
    contacts = {
        c.organisation_id: c
        for c in Contact.objects.filter(organisation__in=[p.organisation_id for p in pledges])
        .exclude(email="")
        .order_by("-id")
    }
    invited, signed = pledges
    services.create_link(invited, contact=contacts.get(invited.organisation_id), user=organiser)
    link, _ = services.create_link(signed, contact=contacts.get(signed.organisation_id), user=organiser)
    signer = contacts.get(signed.organisation_id)
    name = f"{signer.first_name} {signer.last_name}".strip() if signer else "Demo Signer"
    services.sign(
        link,
        name=name or "Demo Signer",
        title=(signer.job_title if signer else "") or "Director",
        authorised=True,
        ip="192.0.2.10",
    )
    services.save_billing(
        link,
        billing_contact=name or "Accounts",
        billing_email=(signer.email if signer else "") or "accounts@example.org",
        billing_address=f"{signed.organisation.name}\n{signed.organisation.city or 'Leeds'}",
        po_number="PO-2026-0417",
    )
    logo = services.submit_logo(link, demo_logo(signed.organisation.name), "logo.png")
    services.review_logo(logo, approve=True, user=organiser)
    services.save_assets(
        link,
        description=f"{signed.organisation.name} builds digital services with the region's councils.",
        website=signed.organisation.website or "https://example.org",
    )
