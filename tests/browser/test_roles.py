"""Each demo user signs in through the real login form and sees its role's navigation."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

ALL_SECTIONS = [
    "Dashboard",
    "Events",
    "Organisations",
    "Contacts",
    "Follow-ups",
    "Pledges",
    "In-kind",
    "Partners",
    "Imports",
]


@pytest.fixture
def demo(db):
    call_command("seed_demo")


@pytest.mark.parametrize(
    "username, role, hidden",
    [
        ("organiser", "Organiser", []),
        ("committee", "Committee", ["Imports"]),
        ("staff", "Staff", []),
    ],
)
def test_demo_user_sees_its_roles_navigation(demo, page, live_server, screenshot_dir, username, role, hidden):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-demo-2026")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("user-role")).to_have_text(role)
    nav = page.get_by_role("navigation", name="Main navigation")
    for section in ALL_SECTIONS:
        link = nav.get_by_role("link", name=section, exact=False)
        if section in hidden:
            expect(link).to_have_count(0)
        else:
            expect(link.first).to_be_visible()
    expect(nav.get_by_role("link", name="Admin")).to_have_count(0)
    # At 1400px, where the menu first opens out, every link fits: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    page.screenshot(path=f"{screenshot_dir}/roles-{username}.png", full_page=True)

    page.get_by_test_id("account-menu").click()  # signing out is in the account menu
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_wrong_password_gets_a_clear_message(demo, page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("committee")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("username and password")
