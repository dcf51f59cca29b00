"""The committee opens each dashboard on a desktop and a phone: charts draw from the local plotly bundle."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BOARDS = [
    ("pipeline", "/dashboard/"),
    ("inkind", "/dashboard/in-kind/"),
    ("partners", "/dashboard/partners/"),
    ("activity", "/dashboard/activity/"),
]


@pytest.fixture
def demo(db):
    call_command("seed_demo")


def sign_in_as_committee(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("committee")
    page.get_by_label("Password").fill("committee-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("user-role")).to_have_text("Committee")


def test_committee_sees_every_dashboard_with_charts(demo, page, live_server, screenshot_dir):
    errors = []
    # The browser's own favicon.ico probe is not the page's doing.
    page.on(
        "console",
        lambda msg: (
            errors.append(f"{msg.text} {msg.location.get('url')}")
            if msg.type == "error" and not (msg.location.get("url") or "").endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda resp: errors.append(f"{resp.status} {resp.url}") if resp.status >= 400 else None)
    offsite = []
    page.on(
        "request",
        lambda req: (
            offsite.append(req.url)
            if not req.url.startswith(live_server.url) and not req.url.startswith("data:")
            else None
        ),
    )
    sign_in_as_committee(page, live_server)
    for width, height, label in ((1400, 1000, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        for name, path in BOARDS:
            page.goto(f"{live_server.url}{path}")
            expect(page.locator(".js-plotly-plot").first).to_be_visible()
            expect(page.locator(".main-svg").first).to_be_attached()
            page.screenshot(path=f"{screenshot_dir}/dashboard-{name}-{label}.png", full_page=True)
    assert errors == []
    assert offsite == []


def test_committee_filters_saves_and_prints_the_pipeline(demo, page, live_server, screenshot_dir):
    page.set_viewport_size({"width": 1400, "height": 1000})
    sign_in_as_committee(page, live_server)
    page.goto(f"{live_server.url}/dashboard/")
    page.locator(".dashboard-filters > summary").click()
    page.get_by_label("Sector").select_option("private")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/?" + page.url.split("?", 1)[1])
    assert "sector=private" in page.url
    expect(page.get_by_test_id("filters-in-words")).to_contain_text("Sector: Private")

    page.get_by_role("button", name="Save this view").click()
    page.get_by_label("Name of this view").fill("Private sector sponsors")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the view")
    page.get_by_test_id("saved-views-menu").click()
    expect(page.get_by_role("link", name="Private sector sponsors", exact=True)).to_be_visible()

    page.get_by_role("link", name="Print view").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sponsorship pipeline — ")
    expect(page.get_by_test_id("print-filters")).to_contain_text("Sector: Private")
    page.emulate_media(media="print")
    page.screenshot(path=f"{screenshot_dir}/dashboard-print.png", full_page=True)


def test_every_chart_has_a_text_alternative_reachable_by_keyboard(demo, page, live_server):
    """Each chart is an image with a label, and its numbers open from the keyboard as a table."""
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as_committee(page, live_server)
    for _, path in BOARDS:
        page.goto(f"{live_server.url}{path}")
        sections = page.locator("section:has(.dashboard-chart)")
        expect(sections.first).to_be_attached()
        for i in range(sections.count()):
            section = sections.nth(i)
            chart = section.locator(".dashboard-chart")
            assert chart.get_attribute("role") == "img" and chart.get_attribute("aria-label"), path
            section.locator("summary", has_text="Show the numbers").focus()
            assert page.evaluate("document.activeElement.textContent").strip() == "Show the numbers"
            page.keyboard.press("Enter")
            expect(section.locator("details table")).to_be_visible()
            assert section.locator("details table tbody tr").count() > 0, path


def test_big_figures_stay_on_one_line_and_record_lists_stack_on_a_phone(demo, page, live_server, screenshot_dir):
    """£52,378,950 in a sixth of a wide screen once split as "£52,378,95 / 0" (Bootstrap's cards
    break long words); the pipeline's lists of pledges scrolled sideways at 390 px."""
    from decimal import Decimal

    from sponsors.models import OPEN_STAGES, Pledge

    pledge = Pledge.objects.filter(stage__in=OPEN_STAGES).order_by("pk").first()
    Pledge.objects.filter(pk=pledge.pk).update(amount=Decimal("52378950.00"), stage="verbal")
    sign_in_as_committee(page, live_server)
    one_line = """el => el.getBoundingClientRect().height < 1.5 * parseFloat(getComputedStyle(el).lineHeight)"""
    for width in (1280, 1200, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/dashboard/?event={pledge.event_id}")
        pledged = page.locator("[data-figure=pledged]")
        expect(pledged).to_contain_text("£52,")
        assert pledged.evaluate(one_line), f"the pledged figure wraps at {width} px"
    page.screenshot(path=f"{screenshot_dir}/dashboard-big-figures-phone.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    for table in ("top-open", "stuck"):
        region = page.locator(f"[data-table={table}]").locator("xpath=..")
        assert region.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), f"{table} scrolls sideways"
        expect(page.locator(f"[data-table={table}] td[data-label=Organisation]").first).to_be_visible()
