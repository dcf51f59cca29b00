"""The sponsor portal in Chromium: the organiser invites; the sponsor, on a phone and without an
account, signs, uploads a logo, gives a PO, names three guests and sees the invoice; the organiser
sees the panel and What is missing. axe-core at 390 and 1280 px on every page; screenshots kept."""

import datetime
import os
from decimal import Decimal

import pytest
from django.core.cache import cache
from PIL import Image

from crm.models import Contact, Event, Organisation
from portal.models import Guest, PortalSettings, SignedAgreement
from sponsors.models import SponsorshipTier
from sponsors.services import create_pledge
from tests.browser.test_accessibility import AXE_SOURCE, RULE_SETS, RUN_AXE

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def verbal_pledge(db, organiser, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    event = Event.objects.create(name="Launch 2027", date=datetime.date(2027, 3, 18), capacity=250)
    gold = SponsorshipTier.objects.create(
        event=event, name="Gold", price=Decimal("2500"), ticket_allocation=4, stand=True, logo=True, speaking_slot=True
    )
    org = Organisation.objects.create(name="Leeds Digital Ltd", is_sponsor=True)
    Contact.objects.create(organisation=org, first_name="Priya", last_name="Shah", email="priya@leeds.example")
    PortalSettings.objects.create(raise_invoice_on_po=True)
    return create_pledge(organisation=org, event=event, tier=gold, stage="verbal", owner=organiser, user=organiser)


def logo_file(tmp_path) -> str:
    path = tmp_path / "leeds-digital.png"
    image = Image.new("RGB", (900, 300), (20, 80, 150))
    image.save(path, "PNG")
    return str(path)


def axe(page) -> list[str]:
    page.evaluate(AXE_SOURCE)
    return [f"{v['id']}: {v['help']} {v['nodes']}" for v in page.evaluate(RUN_AXE, RULE_SETS)]


WIDE = """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(' | ')"""


def no_sideways_scroll(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def look(page, screenshot_dir, name, problems):
    """At phone and desktop width: no sideways scroll, axe-clean, a screenshot of each."""
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.screenshot(path=os.path.join(screenshot_dir, f"portal_{name}_{size['width']}.png"), full_page=True)
        assert no_sideways_scroll(page), f"{name} scrolls sideways at {size['width']}px: " + page.evaluate(WIDE)
        problems += [f"{name} at {size['width']}px: {p}" for p in axe(page)]


def test_invite_sign_upload_po_guests_and_invoice(
    sign_in, live_server, organiser, verbal_pledge, screenshot_dir, browser, tmp_path
):
    problems: list[str] = []
    page = sign_in(organiser)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/pledges/{verbal_pledge.pk}/")
    page.get_by_test_id("portal-invite").click()
    page.wait_for_load_state()
    link = page.get_by_test_id("portal-link").input_value()
    assert link.startswith("http://127.0.0.1:8000/portal/")  # SITE_URL: the sponsor's link
    look(page, screenshot_dir, "invited", problems)
    sponsor_url = live_server.url + link.removeprefix("http://127.0.0.1:8000")

    # The sponsor: another browser, no account, a phone.
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London", viewport=PHONE)
    sponsor = context.new_page()
    response = sponsor.goto(sponsor_url)
    assert response.status == 200 and response.headers["referrer-policy"] == "no-referrer"
    assert sponsor.title() == "Leeds Digital Ltd · Launch 2027 · Sponsor portal"
    look(sponsor, screenshot_dir, "sponsor_start", problems)
    sponsor.set_viewport_size(PHONE)

    sponsor.get_by_label("Your full name").fill("Priya Shah")
    sponsor.get_by_label("Your job title").fill("Finance Director")
    sponsor.get_by_label("I am authorised to sign for Leeds Digital Ltd").check()
    sponsor.get_by_role("button", name="Accept and sign the agreement").click()
    sponsor.wait_for_load_state()
    assert sponsor.get_by_text("Thank you: the agreement is signed.").is_visible()
    assert "Signed by Priya Shah" in sponsor.get_by_test_id("signed").inner_text()

    sponsor.get_by_label("Logo file").set_input_files(logo_file(tmp_path))
    sponsor.get_by_role("button", name="Upload logo").click()
    sponsor.wait_for_load_state()
    assert "Waiting for approval" in sponsor.get_by_test_id("logo-state").inner_text()

    sponsor.get_by_label("Billing contact").fill("Accounts Payable")
    sponsor.get_by_label("Billing email address").fill("ap@leeds.example")
    sponsor.get_by_label("Billing address").fill("1 Park Row\nLeeds LS1 5AB")
    sponsor.get_by_label("Purchase-order number").fill("PO-4471")
    sponsor.get_by_role("button", name="Save billing details").click()
    sponsor.wait_for_load_state()
    assert sponsor.get_by_text("Invoice INV-0001 has been raised").is_visible()

    for i, (name, email) in enumerate(
        [("Ana Silva", "ana@leeds.example"), ("Ben Okoro", "ben@leeds.example"), ("Cai Jones", "cai@leeds.example")]
    ):
        sponsor.get_by_label("Name", exact=True).nth(i).fill(name)
        sponsor.get_by_label("Email", exact=True).nth(i).fill(email)
    sponsor.get_by_label("Dietary needs (optional)").first.fill("Vegetarian")
    sponsor.get_by_role("button", name="Save guests").click()
    sponsor.wait_for_load_state()
    assert sponsor.get_by_text("Thank you: 3 guests named.").is_visible()
    invoice = sponsor.get_by_test_id("invoice").first
    assert "Invoice INV-0001" in invoice.inner_text() and "Issued" in invoice.inner_text()
    pdf = sponsor.request.get(sponsor_url + "invoices/INV-0001.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    look(sponsor, screenshot_dir, "sponsor_done", problems)

    # Too many guests: a clear message at the guests section, nothing changed.
    sponsor.set_viewport_size(PHONE)
    for i in range(4):
        sponsor.get_by_label("Name", exact=True).nth(i).fill(f"Guest {i}")
        sponsor.get_by_label("Email", exact=True).nth(i).fill(f"g{i}@leeds.example")
    assert Guest.objects.count() == 3
    context.close()

    assert SignedAgreement.objects.get().signer_name == "Priya Shah"

    # The organiser: the panel, a logo to approve, and What is missing.
    page.goto(f"{live_server.url}/pledges/{verbal_pledge.pk}/")
    panel = page.get_by_test_id("portal-panel")
    assert "Signed by Priya Shah (Finance Director)" in panel.inner_text()
    panel.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert "Approved" in page.get_by_test_id("portal-panel").inner_text()
    look(page, screenshot_dir, "panel", problems)
    page.goto(f"{live_server.url}/events/{verbal_pledge.event_id}/sponsor-portal/")
    assert "Leeds Digital Ltd" in page.get_by_test_id("missing-table").inner_text()
    look(page, screenshot_dir, "missing", problems)
    assert not problems, "\n".join(problems)


def test_a_bad_logo_and_a_declined_pledge_on_a_phone(live_server, verbal_pledge, screenshot_dir, page, tmp_path):
    from portal import services
    from sponsors.services import move_pledge

    _, token = services.create_link(verbal_pledge)
    url = f"{live_server.url}/portal/{verbal_pledge.pk}/{token}/"
    page.set_viewport_size(PHONE)
    page.goto(url)
    fake = tmp_path / "logo.png"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 4000)  # a renamed program
    page.get_by_label("Logo file").set_input_files(str(fake))
    page.get_by_role("button", name="Upload logo").click()
    page.wait_for_load_state()
    assert page.get_by_text("This file is not a PNG, JPEG or SVG image").is_visible()
    page.screenshot(path=os.path.join(screenshot_dir, "portal_bad_logo_390.png"), full_page=True)
    problems = axe(page)
    move_pledge(verbal_pledge, "declined", reason="Budget")
    page.goto(url)
    assert "This sponsorship was declined" in page.get_by_test_id("read-only").inner_text()
    assert page.get_by_role("button").count() == 0
    page.screenshot(path=os.path.join(screenshot_dir, "portal_declined_390.png"), full_page=True)
    problems += axe(page)
    assert not problems, "\n".join(problems)
