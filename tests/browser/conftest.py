"""Browser journeys: Playwright drives Debian's Chromium against the live server."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# CI runs two workers on two cores, with PostgreSQL beside them: a page can take longer than
# Playwright's 5 s default to arrive there, which is slowness of the machine, not of the app.
expect.set_options(timeout=15_000)


@pytest.fixture
def sign_in(page, live_server):
    """sign_in(user) logs the user in through the real login form."""

    def _sign_in(user, password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return _sign_in
