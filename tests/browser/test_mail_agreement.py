"""Send a pledge's agreement by email in a real browser: from the pledge page to the compose
page (contact, template and PDF preselected), preview, send through a real SMTP server, and
find the message with its PDF on the contact's timeline. At 1280 and 390 px, axe-clean, no
Content-Security-Policy violation."""

import datetime
import os
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.models import Event
from mail.models import EmailTemplate
from sponsors.models import SponsorshipTier
from sponsors.services import create_pledge
from tests.browser.test_accessibility import AXE_SOURCE, RULE_SETS, RUN_AXE
from tests.browser.test_mail_journeys import COLLECT_VIOLATIONS, violations
from tests.crm import factories
from tests.mail.servers import smtp_server

pytestmark = pytest.mark.browser


@pytest.fixture
def smtp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with smtp_server() as (inbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield inbox


def axe(page) -> list[str]:
    page.evaluate(AXE_SOURCE)
    return [f"{v['id']}: {v['help']} {v['nodes']}" for v in page.evaluate(RUN_AXE, RULE_SETS)]


def check(page, screenshot_dir, name) -> list[str]:
    """Screenshots at both widths, with axe run at each; back to desktop width after."""
    problems = []
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=os.path.join(screenshot_dir, f"mail-agreement-{name}-{width}.png"), full_page=True)
        problems += [f"{name} at {width}px: {p}" for p in axe(page)]
    page.set_viewport_size({"width": 1280, "height": 900})
    return problems


def test_send_the_agreement_from_the_pledge_page(live_server, page, sign_in, organiser, smtp, screenshot_dir):
    # The seeded template (migration 0002) does not survive the live server's flushes: make it here.
    EmailTemplate.objects.get_or_create(
        name="Sponsorship agreement",
        defaults={
            "subject": "Sponsorship agreement: {{ event }}",
            "body": "Dear {{ first_name }},\n\nAttached is the agreement for {{ amount }}.\n\n{{ sender_name }}",
        },
    )
    event = Event.objects.create(
        name="Launch 2027",
        date=datetime.date(2027, 3, 18),
        venue="Civic Hall",
        capacity=250,
        sponsorship_target=Decimal("20000"),
    )
    tier = SponsorshipTier.objects.create(
        event=event, name="Gold", price=Decimal("2500"), ticket_allocation=4, stand=True, logo=True
    )
    org = factories.organisation(name="Leeds City Council")
    priya = factories.contact(org, first_name="Priya", last_name="Shah", email="priya@leeds.example")
    pledge = create_pledge(
        organisation=org, event=event, tier=tier, amount=Decimal("2500"), stage="confirmed", user=organiser
    )
    page.add_init_script(COLLECT_VIOLATIONS)
    sign_in(organiser)
    page.goto(live_server.url + pledge.get_absolute_url())
    problems = check(page, screenshot_dir, "pledge")
    page.get_by_role("link", name="Send the agreement by email").click()

    expect(page.get_by_role("heading", name="Write an email")).to_be_visible()
    expect(page.get_by_label("To", exact=True)).to_have_value(str(priya.pk))
    expect(page.get_by_label("Subject")).to_have_value("Sponsorship agreement: {{ event }}")
    expect(page.get_by_label("Sponsorship agreement (PDF)")).to_be_checked()
    problems += check(page, screenshot_dir, "compose")

    page.get_by_role("button", name="Preview").click()
    filename = f"agreement-leeds-city-council-{pledge.pk}.pdf"
    expect(page.get_by_test_id("preview")).to_contain_text("Sponsorship agreement: Launch 2027")
    expect(page.get_by_test_id("preview-attachments")).to_contain_text(filename)
    problems += check(page, screenshot_dir, "preview")

    page.get_by_role("button", name="Send").click()
    expect(
        page.get_by_text(f"Sent “Sponsorship agreement: Launch 2027” to priya@leeds.example with {filename}")
    ).to_be_visible()
    [received] = smtp.messages
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == filename and attachment.get_content().startswith(b"%PDF")

    page.goto(live_server.url + priya.get_absolute_url())
    timeline = page.get_by_test_id("timeline")
    expect(timeline.get_by_text("1 attachment")).to_be_visible()
    timeline.get_by_role("link", name="Email: Sponsorship agreement: Launch 2027").first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name=filename).click()
    assert download.value.suggested_filename == filename
    problems += check(page, screenshot_dir, "sent-message")
    assert not problems, "\n".join(problems)
    assert violations(page) == []
