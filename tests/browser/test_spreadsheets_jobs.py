"""A member of staff imports a long contacts file: the commit returns at once to a job page whose
progress bar the real database worker moves to done; the result links to the import's batch."""
import re
import threading

import pytest
from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import expect

from crm.models import Contact, ImportBatch
from spreadsheets.models import SpreadsheetJob

pytestmark = pytest.mark.browser

ROWS = 6000


def run_worker(connection):
    """The worker's own loop (db_worker --batch) in a thread, while the page polls the live server.

    The test database is SQLite in memory with a shared cache, where a second connection would
    find tables locked by the writer (a file database in WAL mode lets readers read): the thread
    uses the test's connection, as Django's live server thread does. PostgreSQL: its own connection."""
    shared = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if shared:
        connections["default"] = connection
    try:
        Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
               max_tasks=None, worker_id="browser-test-worker", excluded_queue_names=[]).run()
    finally:
        if shared:
            del connections["default"]
        else:
            connections.close_all()


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SPREADSHEET_BACKGROUND_ROWS = 2000  # the default: a 6,000-row file is "long"


def test_a_long_import_runs_in_the_background_and_the_bar_reaches_done(staff, sign_in, live_server,
                                                                         screenshot_dir, tmp_path):
    csv_file = tmp_path / "big-list.csv"
    csv_file.write_text("First Name,Last Name,Email,Company\n" + "".join(
        f"Person{i},Surname{i},person{i}@example.org,Company {i % 40}\n" for i in range(ROWS)), encoding="utf-8")
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

    worker = threading.Thread(target=run_worker, args=(connections["default"],))
    worker.start()
    try:
        # The page polls while the worker runs (a fast run may finish between two polls).
        expect(status).to_contain_text(re.compile("Running|Done"), timeout=30_000)
        page.screenshot(path=f"{screenshot_dir}/jobs-2-running.png", full_page=True)
        expect(page.get_by_test_id("job-summary")).to_have_text(f"new={ROWS} updated=0 unchanged=0 skipped=0 errors=0",
                                                                timeout=60_000)
    finally:
        worker.join(timeout=120)
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
    page.screenshot(path=f"{screenshot_dir}/jobs-4-list-390.png", full_page=True)
