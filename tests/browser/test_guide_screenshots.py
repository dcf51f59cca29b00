"""The user guide's pictures (docs/guide.md): each role's day in the demo world, in a real browser.

`make guide-screenshots` runs these with GUIDE_SCREENSHOTS=1, which writes the pictures into
docs/guide/ (committed); otherwise they go to test-artifacts/screenshots/guide/ and the tests are
ordinary journeys. The clock is frozen at a fixed morning so the pictures' dates do not change
from one run to the next, and each picture is reduced to 256 colours to stay small.
"""

import datetime
import io
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from crm.models import Organisation
from invoicing.models import Invoice

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent.parent
MORNING = datetime.datetime(2026, 12, 7, 9, 30, tzinfo=ZoneInfo("Europe/London"))
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CSV = (
    "Given Name,Family Name,E-mail 1 - Value,Organization 1 - Name,Organization 1 - Title\n"
    "Ada,Lovelace,ada@analytical.example,Analytical Engines Ltd,Countess\n"
    "Grace,Hopper,grace@navy.example,Navy Digital,Rear Admiral\n"
    "Alan,Turing,not-an-email,Bletchley Park,Cryptanalyst\n"
)


@pytest.fixture
def guide_dir():
    if os.environ.get("GUIDE_SCREENSHOTS"):
        path = ROOT / "docs" / "guide"
    else:
        path = ROOT / "test-artifacts" / "screenshots" / "guide"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def demo(db, settings, tmp_path):
    with time_machine.travel(MORNING, tick=True):
        call_command("seed_demo", stdout=io.StringIO())
        settings.BASE_DIR = tmp_path  # the import wizard's uploads (after the demo's PDFs, which read static/)
        yield


def shoot(page, guide_dir, name, full_page=False):
    """A screenshot, reduced to 256 colours (a UI has few; the file is a fraction of the size)."""
    path = guide_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    return path


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".navbar-brand")).to_be_visible()  # past the sign-in page


def test_the_organisers_day(demo, page, live_server, guide_dir):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "organiser")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_test_id("money-owed")).to_contain_text("owed on invoices")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    shoot(page, guide_dir, "organiser-dashboard")

    page.goto(f"{live_server.url}/followups/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("follow-ups")
    shoot(page, guide_dir, "organiser-followups")

    today = timezone.localdate()
    overdue = (
        Invoice.objects.with_balance()
        .filter(balance__gt=0, due_date__lt=today, pledge__event__date__gte=today)
        .order_by("issue_date")
        .first()
    )
    page.goto(f"{live_server.url}/pledges/{overdue.pledge_id}/")
    expect(page.get_by_text(overdue.number).first).to_be_visible()
    shoot(page, guide_dir, "organiser-pledge", full_page=True)

    page.goto(f"{live_server.url}/invoices/")
    expect(page.get_by_role("cell", name=overdue.number)).to_be_visible()
    shoot(page, guide_dir, "organiser-invoices")

    with_email = Organisation.objects.filter(contacts__filed_emails__isnull=False).order_by("id").first()
    page.goto(f"{live_server.url}/organisations/{with_email.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(with_email.name)
    shoot(page, guide_dir, "organiser-organisation", full_page=True)

    page.goto(f"{live_server.url}/mail/triage/")
    expect(page.get_by_role("link", name="Sponsoring the launch?", exact=True)).to_be_visible()
    shoot(page, guide_dir, "organiser-email-triage")

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/log/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shoot(page, guide_dir, "organiser-quick-log-390")
    page.goto(f"{live_server.url}/followups/")
    shoot(page, guide_dir, "organiser-followups-390")


def test_the_committees_meeting(demo, page, live_server, guide_dir):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "committee")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    shoot(page, guide_dir, "committee-dashboard")

    page.goto(f"{live_server.url}/pledges/board/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pledges")
    shoot(page, guide_dir, "committee-pledge-board")

    page.goto(f"{live_server.url}/dashboard/partners/")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    shoot(page, guide_dir, "committee-partners")

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    shoot(page, guide_dir, "committee-dashboard-390")


def test_staffs_import(demo, page, live_server, guide_dir, tmp_path):
    csv_file = tmp_path / "google-contacts.csv"
    csv_file.write_text(CSV, encoding="utf-8-sig")
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server.url}/imports/")
    page.get_by_role("link", name="Import a file").click()
    page.get_by_label("What the file contains").select_option("contacts")
    page.get_by_label("CSV or Excel file").set_input_files(str(csv_file))
    shoot(page, guide_dir, "staff-import-upload")
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_role("heading", name="Map columns")).to_be_visible()
    expect(page.get_by_label("E-mail 1 - Value")).to_have_value("email")
    shoot(page, guide_dir, "staff-import-map")
    page.get_by_role("button", name="Check the import").click()

    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.get_by_test_id("count-errors")).to_have_text("1")
    shoot(page, guide_dir, "staff-import-check")
    page.get_by_label("Import the valid rows and skip the 1 row with errors").check()
    page.get_by_role("button", name="Import 2 rows").click()

    expect(page.get_by_test_id("batch-status")).to_have_text("Committed")
    shoot(page, guide_dir, "staff-import-done")
