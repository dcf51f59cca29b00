"""Renewals in a real browser, at a desktop and a phone width: the organiser plans the next event
from the demo's launch (tiers edited, a sponsor who declined chosen), sees the new pipeline, then
the Renewals tab with both events' pledging pace on one chart. axe-core finds nothing on either page."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from crm.models import Event
from demodata.demo import EVENT_NAME
from renewals.selectors import carry_forward
from sponsors.comparisons import compare_events
from sponsors.models import Pledge
from tests.browser.test_accessibility import AXE_SOURCE, RULE_SETS, RUN_AXE, SIDEWAYS, sign_in_as

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    return Event.objects.get(name=EVENT_NAME)


def axe(page) -> list:
    problems = page.evaluate(SIDEWAYS)
    page.evaluate(AXE_SOURCE)
    return problems + [f"{v['id']}: {v['help']} {v['nodes']}" for v in page.evaluate(RUN_AXE, RULE_SETS)]


@pytest.mark.parametrize("width", [1280, 390])
def test_plan_the_next_event_then_see_who_came_back(demo, page, live_server, screenshot_dir, width):
    launch = demo
    carried = len(carry_forward(launch).carried)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_as(page, live_server, "organiser")

    page.goto(f"{live_server.url}{launch.get_absolute_url()}")
    page.get_by_role("link", name="Plan the next event").click()
    expect(page.get_by_role("heading", name=f"Plan the event after {launch.name}")).to_be_visible()
    assert axe(page) == []
    page.locator("#id_name").fill("Northern Digital Public Services Network: Summit")
    page.locator("#id_date").fill(f"{launch.date.year + 1}-03-12")
    page.locator("#id_tiers-0-price").fill("9000")  # the Headline tier, dearer this time
    declined = page.get_by_role("group", name="Also ask these sponsors").get_by_role("checkbox").first
    declined.check()
    page.screenshot(path=f"{screenshot_dir}/renewals-plan-{width}.png", full_page=True)
    page.get_by_role("button", name="Plan the next event").click()

    expect(
        page.get_by_role("status").filter(has_text="Planned Northern Digital Public Services Network: Summit")
    ).to_be_visible()
    new = Event.objects.get(name="Northern Digital Public Services Network: Summit")
    assert page.url.endswith(f"/pledges/board/?event={new.pk}")
    asked = Pledge.objects.filter(event=new)
    assert asked.count() == carried + 1
    assert set(asked.values_list("stage", flat=True)) == {"prospect"}
    assert new.tiers.get(name="Headline").price == 9000
    expect(page.locator(f"text={asked.order_by('-amount').first().organisation.name}").first).to_be_visible()
    page.screenshot(path=f"{screenshot_dir}/renewals-new-pipeline-{width}.png", full_page=True)

    # The Renewals tab: the launch (the next event) against last year's meetup.
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("link", name="Renewals").click()
    meetup = Event.objects.get(name__contains="Meetup")
    expect(page.get_by_role("heading", name=f"Renewals — {launch.name} against {meetup.name}")).to_be_visible()
    expect(page.locator("#chart-renewal-pace .main-svg").first).to_be_attached()
    # The tab in use is on screen, beside the other four, on a phone too (even a narrower one,
    # where the strip scrolls to it). Not ratio 1: the strip clips the tab's 1 px overlap below.
    current_tab = page.locator(".dashboard-tabs [aria-current=page]")
    expect(current_tab).to_have_text("Renewals")
    expect(current_tab).to_be_in_viewport(ratio=0.9)
    if width < 1280:
        page.set_viewport_size({"width": 320, "height": 900})
        page.reload()
        expect(current_tab).to_be_in_viewport(ratio=0.9)
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
    names = page.evaluate("() => document.getElementById('chart-renewal-pace').data.map(t => t.name)")
    assert names == [f"This event ({launch.date:%b %Y})", f"Compared with ({meetup.date:%b %Y})"]
    retained = compare_events(launch, meetup).retention_by_count  # the demo renews about 60%
    assert Decimal("0.5") < retained < Decimal("0.8")
    expect(page.locator("[data-figure=retention_count]")).to_have_text(re.compile(rf"^{round(retained * 100)}\s*%$"))
    expect(page.get_by_role("heading", name="Lapsed: gave to")).to_be_visible()
    assert axe(page) == []
    page.screenshot(path=f"{screenshot_dir}/renewals-tab-{width}.png", full_page=True)
