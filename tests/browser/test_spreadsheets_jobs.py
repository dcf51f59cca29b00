"""A member of staff imports a long contacts file: the commit returns at once to a job page; she
leaves, the real database worker runs the job, and coming back she finds the bar at done and the
result linking to the import's batch."""

import pytest
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import expect

from crm.models import Contact, ImportBatch
from spreadsheets.models import SpreadsheetJob

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

ROWS = 6000


def run_worker():
    """The worker's own loop (db_worker --batch), in the test's thread and on its connection (the one
    the live server shares on the in-memory SQLite test database), until the queue is empty."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test-worker",
        excluded_queue_names=[],
    ).run()


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SPREADSHEET_BACKGROUND_ROWS = 2000  # the default: a 6,000-row file is "long"


def test_a_long_import_runs_in_the_background_and_the_bar_reaches_done(
    staff, sign_in, live_server, screenshot_dir, tmp_path
):
    csv_file = tmp_path / "big-list.csv"
    csv_file.write_text(
        "First Name,Last Name,Email,Company\n"
        + "".join(f"Person{i},Surname{i},person{i}@example.org,Company {i % 40}\n" for i in range(ROWS)),
        encoding="utf-8",
    )
    page = sign_in(staff)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/imports/upload/")
    page.get_by_label("What the file contains").select_option("contacts")
    page.get_by_label("CSV or Excel file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and map columns").click()
    page.get_by_role("button", name="Check the import").click()
    expect(page.get_by_test_id("count-new")).to_have_text(str(ROWS))
    page.get_by_role("button", name=f"Import {ROWS} rows").click()

    # The request returned at once: a job page, waiting for the worker; nothing written yet.
    expect(page.get_by_role("heading", name="Import of contacts: big-list.csv")).to_be_visible()
    status = page.get_by_role("status").filter(has_text="rows")
    expect(status).to_contain_text("Waiting to start")
    assert Contact.objects.count() == 0
    page.screenshot(path=f"{screenshot_dir}/jobs-1-queued.png", full_page=True)

    # Leave the page and come back later. The worker runs meanwhile: in this thread, because on the
    # in-memory test database it shares the live server's connection, and a page polling while it
    # writes made the two threads race on that one connection (a flaky test under load).
    job_url = page.url
    page.goto(f"{live_server.url}/jobs/")
    expect(page.get_by_role("cell", name="big-list.csv")).to_be_visible()
    page.wait_for_load_state("networkidle")
    run_worker()
    page.goto(job_url)
    expect(page.get_by_test_id("job-summary")).to_have_text(f"new={ROWS} updated=0 unchanged=0 skipped=0 errors=0")
    expect(page.locator("progress")).to_have_attribute("value", "100")
    expect(status).to_contain_text(f"Done: {ROWS} of {ROWS} rows (100%)")
    page.screenshot(path=f"{screenshot_dir}/jobs-3-done.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=f"{screenshot_dir}/jobs-3-done-390.png", full_page=True)
    assert Contact.objects.count() == ROWS and SpreadsheetJob.objects.get().status == "done"

    # The result links to the batch, where undo still works; Recent jobs lists the job.
    page.get_by_role("link", name="See import").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("Committed")
    assert ImportBatch.objects.get().new_count == ROWS
    page.goto(f"{live_server.url}/jobs/")
    expect(page.get_by_role("cell", name="big-list.csv")).to_be_visible()
    expect(page.get_by_role("cell", name="big-list.csv").locator("xpath=..")).to_contain_text("Done")
    page.screenshot(path=f"{screenshot_dir}/jobs-4-list-390.png", full_page=True)
