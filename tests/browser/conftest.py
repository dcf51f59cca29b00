"""Browser journeys: Playwright drives Debian's Chromium against the live server."""
import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


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
