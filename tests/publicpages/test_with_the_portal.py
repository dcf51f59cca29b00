"""The public pages with the real sponsor portal registered (portal.invite, portal.sponsor_presence):
an application gets its portal link, and the wall shows what the organiser approved in the portal."""

import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from portal.models import LogoSubmission, PortalLink, SponsorAssets
from sponsors.models import Pledge
from sponsors.services import create_pledge
from tests.crm import factories


def test_an_application_with_invite_on_gets_a_working_portal_link_by_page_and_email(
    page, form_data, mailoutbox, django_capture_on_commit_callbacks
):
    page.invite_on_application = True
    page.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/sponsor/launch-2027/", form_data())
    assert response.status_code == 200, response.text
    pledge = Pledge.objects.get()
    link = PortalLink.objects.get(pledge=pledge)
    assert link.revoked_at is None
    shown = response.text.split('href="')[1:]
    portal_url = next(h.split('"')[0] for h in shown if f"/{pledge.pk}/" in h and "portal" in h.split('"')[0])
    assert portal_url.startswith("http")
    bodies = [m.body for m in mailoutbox if m.to == ["ada@acme.example"]]
    assert any(portal_url in body for body in bodies)  # the portal's invitation, and the acknowledgement


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db(transaction=True)  # the walls' cache moves on commit: commit for real
def test_the_wall_shows_the_portals_logo_only_once_approved(page, tiers, organiser, media):
    sponsor = create_pledge(
        organisation=factories.organisation(name="Portal Sponsor"),
        event=page.event,
        tier=tiers["Gold"],
        stage="confirmed",
        user=organiser,
    )
    SponsorAssets.objects.create(
        pledge=sponsor, description="Digital services for councils", website="https://ps.example"
    )
    out = io.BytesIO()
    Image.new("RGB", (800, 200), (10, 120, 10)).save(out, format="PNG")
    logo = LogoSubmission(pledge=sponsor, original_name="logo.png", content_type="image/png", size=len(out.getvalue()))
    logo.file.save("logo.png", ContentFile(out.getvalue()))

    entry = Client().get("/sponsors/launch-2027.json").json()["tiers"][0]["sponsors"][0]
    assert entry == {
        "name": "Portal Sponsor",
        "website": "https://ps.example",
        "description": "Digital services for councils",
        "logo": None,  # submitted, not approved
    }
    logo.status = LogoSubmission.Status.APPROVED
    logo.save()
    entry = Client().get("/sponsors/launch-2027.json").json()["tiers"][0]["sponsors"][0]
    assert entry["logo"].startswith("http://testserver/sponsors/launch-2027/logos/")
    image = Image.open(io.BytesIO(Client().get(entry["logo"]).content))
    assert image.size == (360, 90)


@pytest.mark.django_db(transaction=True)
def test_a_signed_agreement_puts_a_verbal_pledge_on_the_wall_at_once_and_voiding_it_takes_it_off(
    page, tiers, organiser
):
    from django.utils import timezone

    from portal.models import SignedAgreement

    sponsor = create_pledge(
        organisation=factories.organisation(name="Signs Online Ltd"),
        event=page.event,
        tier=tiers["Gold"],
        stage="verbal",
        user=organiser,
    )

    def names():
        return [s["name"] for t in Client().get("/sponsors/launch-2027.json").json()["tiers"] for s in t["sponsors"]]

    assert names() == []
    agreement = SignedAgreement.objects.create(
        pledge=sponsor,
        signer_name="Sam Signer",
        signer_title="Director",
        organisation_name="Signs Online Ltd",
        document_sha256="0" * 64,
        sha256="1" * 64,
        pdf=b"%PDF",
    )
    assert names() == ["Signs Online Ltd"]
    agreement.voided_at, agreement.voided_reason = timezone.now(), "Signed by mistake"
    agreement.save()
    assert names() == []
