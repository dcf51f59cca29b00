"""The duplicates journey in Chromium at 1280 and 390 px, on the demo data (which seeds Dr Priya
Shah beside Priya Shah and Leeds CC beside Leeds City Council): the list, a merge with a field
chosen, the kept person's timeline with both histories, the undo. axe-core on every page."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from crm.models import Contact
from tests.browser.test_accessibility import AXE_SOURCE, RULE_SETS, RUN_AXE, SIDEWAYS, sign_in_as

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(db):
    call_command("seed_demo")


@pytest.mark.parametrize("width", [1280, 390])
def test_find_merge_and_undo_duplicates(demo, page, live_server, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_as(page, live_server, "staff")
    problems = []

    def check(name):
        """axe-core and the sideways check on the page as it is (not reloaded: a choice made on
        the merge screen stays made), then a screenshot."""
        problems.extend(f"{name}: {v}" for v in page.evaluate(SIDEWAYS))
        page.evaluate(AXE_SOURCE)
        for v in page.evaluate(RUN_AXE, RULE_SETS):
            problems.append(f"{name}: {v['id']} ({v['impact']}): {v['help']} {v['nodes']}")
        page.screenshot(path=f"{screenshot_dir}/duplicates-{name}-{width}.png", full_page=True)

    # The list: best first, the rules that matched, both records side by side.
    page.goto(f"{live_server.url}/duplicates/")
    expect(page).to_have_title("Likely duplicates: contacts · Sponsorship CRM")
    table = page.get_by_test_id("candidate-table")
    expect(table).to_contain_text("Dr Priya Shah")
    expect(table).to_contain_text("Same name in the same organisation")
    check("list")
    page.goto(f"{live_server.url}/duplicates/?target=organisations")
    expect(page.get_by_test_id("candidate-table")).to_contain_text("Leeds CC")
    check("organisations")

    # The merge screen: keep Priya Shah, take Dr Priya's personal address.
    page.goto(f"{live_server.url}/duplicates/")
    page.get_by_test_id("candidate-table").get_by_role("link", name="Merge pair").first.click()
    expect(page).to_have_title("Merge contacts · Sponsorship CRM")
    expect(page.get_by_test_id("merge-moves")).to_contain_text("Interactions: 1")
    expect(page.get_by_test_id("merge-fixed")).to_contain_text("Consent")
    page.get_by_label("priya.shah.leeds@gmail.com").check()
    check("merge-screen")
    page.get_by_role("button", name="Merge into").click()
    expect(page.get_by_test_id("merge-summary")).to_contain_text("merged into Priya Shah")
    check("merged")

    # The kept person's timeline has both histories.
    page.get_by_test_id("kept-link").click()
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Intro call about the launch event")
    expect(timeline).to_contain_text("Met at the Leeds Digital meetup")
    check("kept-timeline")
    assert Contact.objects.filter(last_name="Shah", first_name="Priya").count() == 1
    assert Contact.objects.get(last_name="Shah", first_name="Priya").email == "priya.shah.leeds@gmail.com"

    # Undo: Dr Priya Shah is back with her own history.
    page.go_back()
    page.get_by_role("button", name="Undo this merge").click()
    expect(page.get_by_test_id("undone")).to_contain_text("Dr Priya Shah")
    check("undone")
    assert Contact.objects.filter(last_name="Shah").count() == 2
    page.goto(f"{live_server.url}/duplicates/rules/")
    check("rules")
    page.goto(f"{live_server.url}/duplicates/merges/")
    check("merges")
    assert not problems, "\n".join(problems)
