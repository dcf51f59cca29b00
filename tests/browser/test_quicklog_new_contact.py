"""The quick log's "new contact" in Chromium at 1280 and 390 px, on the demo data: a call with
"Priya Shah", typed as someone new, is caught as looking like the Priya Shahs already at Leeds City
Council and logged with one of them; someone really new is added with their call. By keyboard
where it matters (the disclosure, the choice), axe-core on each state."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from crm.models import Contact, Interaction, Organisation
from tests.browser.test_accessibility import AXE_SOURCE, RULE_SETS, RUN_AXE, SIDEWAYS, sign_in_as

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(db):
    call_command("seed_demo")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_new_contact_in_the_quick_log_is_checked_for_look_alikes(demo, page, live_server, screenshot_dir, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_as(page, live_server, "organiser")
    council = Organisation.objects.get(name="Leeds City Council")
    known = set(Contact.objects.filter(last_name="Shah").values_list("pk", flat=True))
    problems = []

    def check(name):
        problems.extend(f"{name}: {v}" for v in page.evaluate(SIDEWAYS))
        page.evaluate(AXE_SOURCE)
        for v in page.evaluate(RUN_AXE, RULE_SETS):
            problems.append(f"{name}: {v['id']} ({v['impact']}): {v['help']} {v['nodes']}")
        page.screenshot(path=f"{screenshot_dir}/quicklog-new-contact-{name}-{width}.png", full_page=True)

    page.goto(f"{live_server.url}/log/?organisation={council.pk}")
    expect(page.get_by_label("First name")).to_be_hidden()
    page.get_by_label("Summary").fill("Rang about the digital skills day")
    # The disclosure opens from the keyboard.
    page.get_by_text("Not in the CRM yet? Add them with this call").focus()
    page.keyboard.press("Enter")
    page.get_by_label("First name").fill("Priya")
    page.get_by_label("Last name").fill("Shah")
    page.get_by_label("Phone").fill("0113 496 0844")
    check("form")
    page.get_by_role("button", name="Save").click()

    # Nothing saved yet: the error summary says why and links to the choice.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("This looks like someone already in the CRM")
    warning = page.get_by_test_id("possible-duplicates")
    expect(warning).to_contain_text("Log it with Priya Shah")
    expect(warning.get_by_role("link", name="Open their record").first).to_be_visible()
    assert not Interaction.objects.filter(summary="Rang about the digital skills day").exists()
    check("look-alike")

    summary.get_by_role("link", name="Is it one of them?").click()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the first choice: the closest look-alike
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Logged call")).to_contain_text(
        "Logged call: Rang about the digital skills day"
    )
    interaction = Interaction.objects.get(summary="Rang about the digital skills day")
    assert interaction.contact_id in known
    assert set(Contact.objects.filter(last_name="Shah").values_list("pk", flat=True)) == known

    # Someone really new is added with the call, no questions asked.
    page.goto(f"{live_server.url}/log/?organisation={council.pk}")
    page.get_by_label("Summary").fill("Met the new apprentice lead")
    page.get_by_text("Not in the CRM yet? Add them with this call").click()
    page.get_by_label("First name").fill("Tess")
    page.get_by_label("Last name").fill("Nowak")
    page.get_by_label("Email", exact=True).fill("tess.nowak@leeds.example.org")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Logged call")).to_contain_text(
        "with Tess Nowak, added as a new contact"
    )
    check("added")
    assert Contact.objects.get(email="tess.nowak@leeds.example.org").organisation == council
    assert not problems, "\n".join(problems)
