"""A call and its follow-up logged with the keyboard alone, from the organisation list.

Every key press is counted except the characters of the text typed; the budget is 40.
Tab presses are made until the wanted control has focus, as a person would, so a page
that adds stops along the way shows up as a higher count.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Contact, FollowUp, Interaction, Organisation

pytestmark = pytest.mark.browser

BUDGET = 40


class Keyboard:
    def __init__(self, page):
        self.page, self.presses = page, 0

    def press(self, key):
        self.page.keyboard.press(key)
        self.presses += 1

    def type(self, text):
        self.page.keyboard.type(text)  # the text itself is not counted

    def has_focus(self, selector):
        return self.page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector)

    def tab_to(self, selector, limit=30):
        """Tab until the element matching `selector` has focus (no press if it already has)."""
        if self.has_focus(selector):
            return
        for _ in range(limit):
            self.press("Tab")
            if self.has_focus(selector):
                return
        raise AssertionError(f"{selector} never took focus in {limit} Tab presses")

    def focus_ring(self):
        """The focused element draws a visible outline (or box shadow)."""
        return self.page.evaluate("""() => {
            const s = getComputedStyle(document.activeElement);
            return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
        }""")


def test_log_a_call_with_a_follow_up_without_a_mouse(organiser, sign_in, page, live_server, screenshot_dir):
    acme = Organisation.objects.create(name="Acme Digital", is_sponsor=True, city="Leeds", owner=organiser)
    Contact.objects.create(first_name="Jane", last_name="Smith", email="jane@acme.test", organisation=acme)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(organiser)
    page.goto(f"{live_server.url}/organisations/")
    keys = Keyboard(page)

    # Skip the navigation, then on to the organisation's name in the list.
    keys.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    keys.press("Enter")
    keys.tab_to(f'a[href="/organisations/{acme.pk}/"]')
    assert keys.focus_ring()
    keys.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/organisations/{acme.pk}/")
    page.wait_for_load_state()  # keys pressed while the page still arrives would go astray

    # The organisation page: past the navigation again, to "Log a call or favour".
    keys.press("Tab")
    keys.press("Enter")
    keys.tab_to('a[href^="/log/"]')
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/log/\?"))
    page.wait_for_load_state()
    expect(page.get_by_label("Organisation")).to_have_value("Acme Digital")

    # The quick log opens on the kind (a call), with the organisation filled in.
    keys.tab_to("#id_summary")
    keys.type("Talked about the Gold package")
    keys.tab_to('button[data-due-days="1"]')  # "Tomorrow", beside the follow-up date
    keys.press("Enter")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    expect(page.get_by_label("Follow up by")).to_have_value(tomorrow.isoformat())
    keys.tab_to("#id_followup_title")
    keys.type("Send the Gold pack")
    keys.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/organisations/{acme.pk}/")
    expect(page.get_by_role("status").filter(has_text="Logged call")).to_be_visible()
    page.screenshot(path=f"{screenshot_dir}/keyboard-only-logged.png", full_page=True)
    assert Interaction.objects.filter(organisation=acme, summary="Talked about the Gold package").exists()
    followup = FollowUp.objects.get(title="Send the Gold pack")
    assert followup.due_date == tomorrow and followup.organisation == acme
    assert keys.presses <= BUDGET, f"{keys.presses} key presses (budget {BUDGET})"
