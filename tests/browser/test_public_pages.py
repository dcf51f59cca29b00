"""The public face of sponsorship in a real browser, at a phone's and a desktop's width: the
prospectus, an application sent (and its portal link), the two emails a real SMTP server received
(the organiser's notification, the applicant's acknowledgement with the portal link) shown as
pages, the organiser's follow-up and the pledge's "Source: application form", the wall before
and after the logo is approved, and the wall embedded in a plain page served from another port.
axe-core finds no WCAG 2.2 AA violation on the public pages or the organiser's new pages."""

import datetime
import functools
import io
import os
import threading
from decimal import Decimal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from crm.models import Event
from portal.models import LogoSubmission, SponsorAssets
from publicpages.models import InKindCredit, PublicPage
from sponsors.models import InKindContribution, Pledge, SponsorshipTier
from sponsors.services import create_pledge
from tests.browser.test_accessibility import AXE_SOURCE, RULE_SETS, RUN_AXE, violations_on
from tests.crm import factories
from tests.mail.servers import free_port, smtp_server

pytestmark = pytest.mark.browser
WIDTHS = [390, 1280]


@pytest.fixture
def public(db, organiser, settings, tmp_path, live_server):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = live_server.url  # the portal's links are absolute
    settings.PUBLICPAGES_MIN_FILL_SECONDS = 0
    organiser.email = "olivia@network.example"
    organiser.save()
    event = Event.objects.create(
        name="Northern Digital Launch 2027",
        venue="Corn Exchange, Leeds",
        capacity=250,
        date=datetime.date(2027, 3, 18),
    )
    tiers = {}
    for name, price, slots, tickets, stand, speak in [
        ("Headline", "8000", 1, 10, True, True),
        ("Gold", "4000", 3, 6, True, False),
        ("Supporter", "750", 10, 2, False, False),
    ]:
        tiers[name] = SponsorshipTier.objects.create(
            event=event,
            name=name,
            price=Decimal(price),
            slots=slots,
            ticket_allocation=tickets,
            stand=stand,
            logo=True,
            speaking_slot=speak,
        )
    headline = create_pledge(
        organisation=factories.organisation(name="Leeds Digital Partners", website="https://ldp.example"),
        event=event,
        tier=tiers["Headline"],
        stage="confirmed",
        user=organiser,
    )
    SponsorAssets.objects.create(pledge=headline, description="Connecting councils and suppliers since 2019.")
    for name in ("Aire Valley Software", "Pennine Cloud"):
        create_pledge(
            organisation=factories.organisation(name=name),
            event=event,
            tier=tiers["Supporter"],
            stage="paid",
            user=organiser,
        )
    catering = InKindContribution.objects.create(
        organisation=factories.organisation(name="Kirkgate Kitchens", roles=("supplier",)),
        event=event,
        category="catering",
        description="Lunch for 250",
        estimated_value=Decimal("2500"),
        status="confirmed",
    )
    InKindCredit.objects.create(contribution=catering, credit_publicly=True)
    page = PublicPage.objects.create(
        event=event,
        slug="launch-2027",
        prospectus_on=True,
        application_on=True,
        wall_on=True,
        invite_on_application=True,
        owner=organiser,
        public_contact="The events team",
    )
    return {"event": event, "page": page, "tiers": tiers, "headline": headline}


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free port: the application's emails go through it."""
    with smtp_server() as (inbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield inbox


def show_email(page, message) -> None:
    """The message as the SMTP server received it, laid out as a mail client would: headers, then
    the plain-text body (escaped), so it can be looked at and screenshotted."""
    from html import escape

    body = message.get_body(preferencelist=("plain",)).get_content()
    headers = "".join(
        f"<dt>{name}</dt><dd>{escape(str(message[name] or ''))}</dd>" for name in ("From", "To", "Subject", "Date")
    )
    page.goto("about:blank")  # a blank document: none of the site's Content-Security-Policy applies
    page.set_content(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(str(message['Subject']))}</title></head>"
        "<body style='font-family: system-ui, sans-serif; margin: 0; background: #f1f3f5'>"
        "<main style='max-width: 44rem; margin: 0 auto; padding: 1rem; background: #fff'>"
        f"<h1 style='font-size: 1.25rem'>{escape(str(message['Subject']))}</h1>"
        f"<dl style='display: grid; grid-template-columns: 5rem 1fr; gap: .25rem; font-size: .9rem'>{headers}</dl>"
        "<hr><pre style='white-space: pre-wrap; word-break: break-word; font: inherit' data-testid='email-body'>"
        f"{escape(body)}</pre></main></body></html>"
    )


def axe_here(page) -> list[str]:
    page.evaluate(AXE_SOURCE)
    return [f"{v['id']}: {v['help']} {v['nodes']}" for v in page.evaluate(RUN_AXE, RULE_SETS)]


def shot(page, screenshot_dir, name, width):
    page.screenshot(path=os.path.join(screenshot_dir, f"public_{name}_{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_prospectus_application_portal_link_and_the_organisers_follow_up(
    public, page, live_server, sign_in, organiser, smtp, screenshot_dir, width
):
    page.set_viewport_size({"width": width, "height": 900})
    url = f"{live_server.url}/sponsor/launch-2027/"
    assert violations_on(page, url) == []
    expect(page).to_have_title("Sponsorship prospectus · Northern Digital Launch 2027")
    expect(page.get_by_test_id("tier")).to_have_count(3)
    expect(page.get_by_test_id("tier").first).to_contain_text("Sold out")
    expect(page.get_by_label("Headline — £8,000 (sold out)")).to_be_disabled()
    shot(page, screenshot_dir, "prospectus", width)

    page.get_by_label("Gold — £4,000").check()
    page.get_by_label("Organisation").fill("Calder Data Co-operative")
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Email").fill("grace@calder.example")
    page.get_by_label("Phone").fill("01422 000000")
    page.get_by_label("Purchase order (PO) number").fill("PO-2027-9")
    page.get_by_label("Anything you would like us to know").fill("We would like a stand near the entrance.")
    page.get_by_label("You may contact me about this application").check()
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_test_id("application-sent")).to_contain_text("Thank you for applying")
    expect(page.get_by_test_id("portal-link")).to_be_visible()
    assert axe_here(page) == []  # the thank-you page answers the POST: checked where it is
    shot(page, screenshot_dir, "application_sent", width)
    portal_link = page.get_by_role("link", name="Open your sponsor portal").get_attribute("href")
    pledge = Pledge.objects.get(organisation__name="Calder Data Co-operative")
    assert pledge.stage == "verbal" and f"/{pledge.pk}/" in portal_link

    # The two emails the SMTP server received, each looked at as a page.
    def received(to):
        return [m for m in smtp.messages if to in str(m["To"])]

    [notification] = received("olivia@network.example")
    show_email(page, notification)
    body = page.get_by_test_id("email-body")
    expect(body).to_contain_text("Grace Hopper <grace@calder.example> applied to sponsor Northern Digital Launch 2027")
    expect(body).to_contain_text(f"/pledges/{pledge.pk}/")
    expect(body).to_contain_text("PO number: PO-2027-9")
    expect(body).to_contain_text("A follow-up due today is on your list.")
    assert axe_here(page) == []
    shot(page, screenshot_dir, "email_organiser_notification", width)
    to_applicant = received("grace@calder.example")
    [acknowledgement] = [m for m in to_applicant if "Your application to sponsor" in str(m["Subject"])]
    show_email(page, acknowledgement)
    body = page.get_by_test_id("email-body")
    expect(body).to_contain_text("Dear Grace,")
    expect(body).to_contain_text(f"Your sponsor portal: {portal_link}")
    assert axe_here(page) == []
    shot(page, screenshot_dir, "email_applicant_acknowledgement", width)

    # The applicant's portal link opens their own portal at once.
    response = page.goto(portal_link)
    assert response.status == 200
    expect(page.locator("body")).to_contain_text("Calder Data Co-operative")
    shot(page, screenshot_dir, "applicant_portal", width)

    # The organiser's follow-up, due today, and the event page's panel.
    page.context.clear_cookies()
    sign_in(organiser)
    page.goto(f"{live_server.url}/followups/")
    expect(page.get_by_text("New sponsor application: Calder Data Co-operative, Gold")).to_be_visible()
    shot(page, screenshot_dir, "organiser_followup", width)
    # The pledge says where it came from and what the applicant sent; so does the pipeline board.
    assert violations_on(page, f"{live_server.url}/pledges/{pledge.pk}/") == []
    expect(page.get_by_test_id("pledge-application-panel")).to_contain_text("Source: application form")
    expect(page.get_by_test_id("pledge-application-panel")).to_contain_text("We would like a stand near the entrance.")
    shot(page, screenshot_dir, "organiser_pledge_source", width)
    page.goto(f"{live_server.url}/dashboard/?event={public['event'].pk}")
    expect(page.get_by_test_id("pipeline-application")).to_contain_text("Calder Data Co-operative")
    panel = page.get_by_test_id("pipeline-applications-panel")
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=os.path.join(screenshot_dir, f"public_pipeline_applications_{width}.png"))
    event_url = f"{live_server.url}/events/{public['event'].pk}/"
    assert violations_on(page, event_url) == []
    expect(page.get_by_test_id("event-public-pages-panel")).to_contain_text("Applications (1)")
    for path in ("applications/", "public-pages/"):
        assert violations_on(page, event_url + path) == []
        shot(page, screenshot_dir, f"organiser_{path.strip('/')}", width)


def logo_png() -> bytes:
    image = Image.new("RGB", (900, 300), (31, 58, 95))
    ImageDraw.Draw(image).rectangle((40, 40, 860, 260), outline=(255, 255, 255), width=12)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_wall_before_and_after_the_logo_is_approved(public, page, live_server, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    wall = f"{live_server.url}/sponsors/launch-2027/"
    logo = LogoSubmission(pledge=public["headline"], original_name="ldp.png", content_type="image/png", size=1)
    logo.file.save("ldp.png", ContentFile(logo_png()))
    assert violations_on(page, wall) == []
    expect(page.get_by_test_id("wall-tier")).to_have_count(2)
    expect(page.locator("img")).to_have_count(0)  # submitted, not approved: no logo
    expect(page.get_by_test_id("wall-in-kind")).to_contain_text("Kirkgate Kitchens")
    shot(page, screenshot_dir, "wall_before_approval", width)

    logo.status = LogoSubmission.Status.APPROVED
    logo.save()
    # A browser may keep the wall it has for Cache-Control's max-age: a new address reads it afresh.
    assert violations_on(page, wall + "?after=approval") == []
    image = page.get_by_role("img", name="Leeds Digital Partners logo")
    expect(image).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", image.element_handle()) == 360
    shot(page, screenshot_dir, "wall_after_approval", width)


@pytest.fixture
def other_site(tmp_path, live_server):
    """A plain HTML page on another port (python's http.server) with the wall's embed snippet."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Launch 2027</title>"
        "<link rel='icon' href='data:,'></head>"
        "<body><main><h1>Northern Digital Launch 2027</h1><h2>Our sponsors</h2>"
        f'<div data-sponsor-wall="{live_server.url}/sponsors/launch-2027.json"></div>'
        f'<script src="{live_server.url}/static/publicpages/embed.js" defer></script>'
        "</main></body></html>"
    )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_snippet_shows_the_wall_on_another_site(public, page, other_site, screenshot_dir, width):
    logo = LogoSubmission(
        pledge=public["headline"],
        original_name="ldp.png",
        content_type="image/png",
        size=1,
        status=LogoSubmission.Status.APPROVED,
    )
    logo.file.save("ldp.png", ContentFile(logo_png()))
    page.set_viewport_size({"width": width, "height": 900})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    assert violations_on(page, other_site) == []
    wall = page.locator(".sponsor-wall")
    expect(wall).to_contain_text("Headline")
    expect(wall).to_contain_text("Aire Valley Software")
    expect(wall).to_contain_text("Supported in kind by")
    expect(page.get_by_role("img", name="Leeds Digital Partners")).to_be_visible()
    assert page.evaluate("document.querySelector('.sponsor-wall-logo').naturalWidth") == 360
    assert not problems, problems
    shot(page, screenshot_dir, "embedded_wall", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_refusals_and_closed_pages_read_well(public, page, live_server, settings, screenshot_dir, width):
    """The public pages a visitor may meet when something is wrong: the form's errors, a refusal,
    a page that is off (404) and too many requests (429), each axe-clean at both widths."""
    from django.core.cache import cache

    page.set_viewport_size({"width": width, "height": 900})
    url = f"{live_server.url}/sponsor/launch-2027/"
    page.goto(url)
    page.get_by_role("button", name="Send application").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Organisation")
    expect(summary).to_contain_text("Email")
    assert axe_here(page) == []
    shot(page, screenshot_dir, "application_errors", width)

    page.get_by_label("Gold — £4,000").check()
    page.get_by_label("Organisation").fill("Bot Ltd")
    page.get_by_label("Your name").fill("A Bot")
    page.get_by_label("Email").fill("bot@bot.example")
    page.get_by_label("You may contact me about this application").check()
    page.evaluate("document.querySelector('[name=fax_number]').value = '0113 000 0000'")  # what scripts do
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_test_id("refusal").first).to_be_visible()
    expect(page.get_by_label("Organisation")).to_have_value("Bot Ltd")  # the answers are kept
    assert axe_here(page) == [] and not Pledge.objects.filter(organisation__name="Bot Ltd").exists()
    shot(page, screenshot_dir, "application_refused", width)

    public["page"].wall_on = False
    public["page"].save()
    response = page.goto(f"{live_server.url}/sponsors/launch-2027/")
    assert response.status == 404
    assert axe_here(page) == []
    shot(page, screenshot_dir, "wall_off_404", width)

    cache.clear()
    settings.PUBLICPAGES_PAGE_LIMIT = 1
    assert page.goto(url).status == 200
    response = page.goto(url)
    assert response.status == 429 and int(response.headers["retry-after"]) > 0
    expect(page.locator("body")).to_contain_text("Too many requests")
    assert axe_here(page) == []
    shot(page, screenshot_dir, "rate_limited", width)
    cache.clear()
