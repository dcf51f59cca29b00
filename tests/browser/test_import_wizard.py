"""A member of staff imports a contacts CSV through the wizard in a real browser."""

import pytest
from playwright.sync_api import expect

from crm.models import Contact, ImportBatch

pytestmark = pytest.mark.browser

CSV = (
    "Given Name,Family Name,E-mail 1 - Value,Organization 1 - Name,Organization 1 - Title\n"
    "Ada,Lovelace,ada@example.org,Analytical Engines Ltd,Countess\n"
    "Grace,Hopper,grace@example.org,Navy,Rear Admiral\n"
    "Alan,Turing,not-an-email,Bletchley Park,Cryptanalyst\n"
    "Katherine,Johnson,katherine@example.org,NASA,Mathematician\n"
)


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.BASE_DIR = tmp_path


def test_staff_import_contacts_through_the_wizard(staff, sign_in, live_server, screenshot_dir, tmp_path):
    Contact.objects.create(first_name="Grace", last_name="Hopper", email="grace@example.org", job_title="Captain")
    csv_file = tmp_path / "google-contacts.csv"
    csv_file.write_text(CSV, encoding="utf-8-sig")

    page = sign_in(staff)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/imports/")
    page.get_by_role("link", name="Import a file").click()

    # 1. Upload
    expect(page.get_by_role("heading", name="Import a file")).to_be_visible()
    page.get_by_label("What the file contains").select_option("contacts")
    page.get_by_label("CSV or Excel file").set_input_files(str(csv_file))
    page.screenshot(path=f"{screenshot_dir}/import-1-upload.png", full_page=True)
    page.get_by_role("button", name="Upload and map columns").click()

    # 2. Map
    expect(page.get_by_role("heading", name="Map columns")).to_be_visible()
    expect(page.get_by_test_id("file-summary")).to_contain_text("4 rows")
    expect(page.get_by_label("E-mail 1 - Value")).to_have_value("email")
    expect(page.get_by_label("Organization 1 - Name")).to_have_value("organisation")
    page.get_by_label("Save this mapping as").fill("Google Contacts")
    page.screenshot(path=f"{screenshot_dir}/import-2-map.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=f"{screenshot_dir}/import-2-map-390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Check the import").click()

    # 3. Preview (dry run)
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.get_by_test_id("count-new")).to_have_text("2")
    expect(page.get_by_test_id("count-updated")).to_have_text("1")
    expect(page.get_by_test_id("count-errors")).to_have_text("1")
    expect(page.get_by_test_id("error-table")).to_contain_text("4")
    expect(page.get_by_test_id("diff-table")).to_contain_text("Captain")
    page.screenshot(path=f"{screenshot_dir}/import-3-preview.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=f"{screenshot_dir}/import-3-preview-390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert Contact.objects.count() == 1

    page.get_by_label("Import the valid rows and skip the 1 row with errors").check()
    page.get_by_role("button", name="Import 3 rows").click()

    # 4. The batch page
    expect(page.get_by_role("status").first).to_contain_text("Imported: new=2 updated=1")
    expect(page.get_by_test_id("batch-status")).to_have_text("Committed")
    page.screenshot(path=f"{screenshot_dir}/import-4-batch.png", full_page=True)
    assert Contact.objects.count() == 3
    assert ImportBatch.objects.count() == 1

    # 5. Undo with confirmation
    page.get_by_role("link", name="Undo this import").click()
    page.screenshot(path=f"{screenshot_dir}/import-5-undo-confirm.png", full_page=True)
    page.get_by_role("button", name="Undo this import").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("Undone")
    assert Contact.objects.count() == 1
    assert Contact.objects.get().job_title == "Captain"

    page.goto(f"{live_server.url}/imports/")
    expect(page.get_by_role("cell", name="google-contacts.csv")).to_be_visible()
    page.screenshot(path=f"{screenshot_dir}/import-6-history.png", full_page=True)
