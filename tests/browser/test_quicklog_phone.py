"""On a phone, an organiser logs a favour through the quick log and sees it confirmed."""

import pytest
from playwright.sync_api import expect

from crm.models import Contact, Organisation
from partners.models import Favour

pytestmark = pytest.mark.browser


def test_organiser_logs_a_favour_on_a_phone(organiser, sign_in, page, live_server, screenshot_dir):
    acme = Organisation.objects.create(name="Acme Digital", is_supplier=True, city="Leeds")
    Contact.objects.create(first_name="Jane", last_name="Smith", email="jane@acme.test", organisation=acme)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(organiser)

    page.goto(f"{live_server.url}/log/?organisation={acme.pk}&next=/log/%3Fdone%3D1")
    expect(page.get_by_role("heading", name="Log a call or favour")).to_be_visible()
    expect(page.get_by_label("Organisation")).to_have_value("Acme Digital")
    # Nothing sticks out sideways at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=f"{screenshot_dir}/quicklog-phone-empty.png", full_page=True)

    # The favour section appears only once the kind is Favour.
    expect(page.get_by_label("What was the favour?")).to_be_hidden()
    page.get_by_label("Kind").select_option("favour")
    page.get_by_label("Favour direction").select_option("they_offered")
    page.get_by_label("What was the favour?").fill("Lent us a room for the meetup")
    page.get_by_label("Estimated value (£)").fill("250")
    page.get_by_label("Favour status").select_option("done")

    # Search-as-you-type picks the contact from the lookup.
    page.get_by_label("Contact").fill("jan")
    page.get_by_role("option", name="Jane Smith (Acme Digital)").click()
    expect(page.get_by_label("Contact")).to_have_value("Jane Smith (Acme Digital)")

    page.get_by_role("button", name="Tomorrow").click()
    page.screenshot(path=f"{screenshot_dir}/quicklog-phone-favour.png", full_page=True)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="Logged favour")).to_contain_text(
        "Logged favour: Favour: Lent us a room for the meetup and a follow-up due"
    )
    page.screenshot(path=f"{screenshot_dir}/quicklog-phone.png", full_page=True)

    # The navbar's Log button stays in reach on a phone; the search box fits the opened menu.
    expect(page.get_by_role("link", name="Log")).to_be_visible()
    page.get_by_role("button", name="Toggle navigation").click()
    page.wait_for_selector("#main-nav.collapse.show")  # wait for the opening animation to end
    expect(page.get_by_role("search").get_by_label("Search")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=f"{screenshot_dir}/quicklog-phone-nav.png")

    # ...on a laptop the menu stays behind its toggler, with Log beside it, and nothing overflows;
    page.set_viewport_size({"width": 1280, "height": 700})
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    expect(page.get_by_role("link", name="Log")).to_be_visible()
    page.screenshot(path=f"{screenshot_dir}/quicklog-laptop-nav.png")
    # ...from 1400px the full navbar fits one row. Below 1800px the search field would be a
    # sliver beside the menu: its button (to the search page) stands in; from 1800px the field
    # shows at a usable width.
    page.set_viewport_size({"width": 1440, "height": 700})
    expect(page.get_by_role("search").get_by_label("Search")).to_be_hidden()
    expect(page.get_by_role("search").get_by_role("button", name="Go")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    page.set_viewport_size({"width": 1800, "height": 700})
    field = page.get_by_role("search").get_by_label("Search")
    expect(field).to_be_visible()
    assert field.bounding_box()["width"] >= 160
    assert page.evaluate("document.documentElement.scrollWidth") <= 1800
    page.screenshot(path=f"{screenshot_dir}/quicklog-desktop-nav.png")

    favour = Favour.objects.get()
    assert favour.organisation == acme and favour.contact.first_name == "Jane"
    assert favour.estimated_value == 250 and favour.direction == "they_offered"
