"""Long imports and exports run as background jobs: the request returns at once, the real
database worker (django-tasks-db's db_worker) does the work, the job page shows the result."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, ImportBatch
from spreadsheets import exports, services
from spreadsheets.importing import commit_import, plan_import, read_table
from spreadsheets.models import SpreadsheetJob
from tests.crm import factories
from tests.spreadsheets.test_import_wizard import mapping_post, token_of, upload

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    """Uploads and job files in a temporary folder; a small threshold so a dozen rows is "long"."""
    settings.BASE_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SPREADSHEET_BACKGROUND_ROWS = 5
    return tmp_path


def people_csv(n, start=0):
    lines = ["First Name,Last Name,E-mail Address,Company"]
    lines += [f"Person{i},Surname{i},person{i}@example.org,Company {i % 3}" for i in range(start, start + n)]
    return ("\r\n".join(lines) + "\r\n").encode()


def run_worker():
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", "--no-reload", verbosity=0)


def start_import(client, data, *, expect_job=True):
    token = token_of(upload(client, data=data, name="people.csv"))
    mapping_post(client, token)
    preview = client.get(reverse("spreadsheets:import_preview", args=[token])).content.decode()
    assert ("the import runs in the background" in preview) == expect_job
    response = client.post(reverse("spreadsheets:import_commit", args=[token]))
    assert response.status_code == 302
    return token, response


@pytest.mark.django_db(transaction=True)
def test_a_long_import_returns_at_once_and_the_worker_commits_it(client, staff):
    from django_tasks_db.models import DBTaskResult

    client.force_login(staff)
    token, response = start_import(client, people_csv(12))
    job = SpreadsheetJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert (job.kind, job.status, job.created_by, job.rows_total) == ("import", "queued", staff, 12)
    assert not Contact.objects.exists() and not ImportBatch.objects.exists()  # nothing written by the request
    assert DBTaskResult.objects.get().status == "READY"
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Waiting to start" in page and "jobs.js" in page and 'role="status"' in page
    # A second click of the confirm button imports nothing more: it leads to the same job.
    again = client.post(reverse("spreadsheets:import_commit", args=[token]))
    assert again["Location"] == job.get_absolute_url() and SpreadsheetJob.objects.count() == 1

    run_worker()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    job.refresh_from_db()
    assert job.status == "done" and job.summary == "new=12 updated=0 unchanged=0 skipped=0 errors=0"
    assert Contact.objects.count() == 12
    batch = ImportBatch.objects.get()
    assert (job.batch, batch.created_by, batch.file_name, batch.new_count) == (batch, staff, "people.csv", 12)
    assert job.file_path == "" and not list((services.job_dir()).glob("*.upload"))  # the upload is gone
    page = client.get(job.get_absolute_url()).content.decode()
    assert "new=12 updated=0 unchanged=0 skipped=0 errors=0" in page and batch.get_absolute_url() in page
    assert client.get(reverse("spreadsheets:job_progress", args=[job.pk])).json() == {
        "status": "done",
        "status_label": "Done",
        "step": "Done",
        "done": 12,
        "total": 12,
        "percent": 100,
        "finished": True,
        "indeterminate": False,
        "stalled": False,
        "reload": True,
    }
    # Undo still works on the batch the job made.
    client.post(reverse("spreadsheets:import_undo", args=[batch.pk]))
    assert not Contact.objects.exists()


def test_a_short_import_keeps_the_synchronous_path(client, staff):
    client.force_login(staff)
    _, response = start_import(client, people_csv(5), expect_job=False)
    assert response["Location"] == ImportBatch.objects.get().get_absolute_url()
    assert Contact.objects.count() == 5 and not SpreadsheetJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_import_shows_its_error_and_writes_nothing(client, staff, monkeypatch):
    from spreadsheets.resources.contacts import ContactResource

    written = ContactResource.write

    def write_then_fail(self, plan, batch, user):
        written(self, plan, batch, user)  # every row written inside the transaction...
        raise RuntimeError("disk full")  # ...then the job dies

    monkeypatch.setattr(ContactResource, "write", write_then_fail)
    client.force_login(staff)
    start_import(client, people_csv(12))
    run_worker()
    job = SpreadsheetJob.objects.get()
    assert job.status == "failed"
    assert not Contact.objects.exists() and not ImportBatch.objects.exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Nothing was imported: the job stopped with an unexpected error (RuntimeError: disk full)." in page
    assert 'role="alert"' in page and "Upload a file again" in page
    assert job.file_path == "" and not list(services.job_dir().glob("*.upload"))


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_rows_have_errors_since_the_preview_is_refused(client, staff, monkeypatch):
    client.force_login(staff)
    start_import(client, people_csv(12))
    job = SpreadsheetJob.objects.get()
    path = services._file(job.file_path)
    path.write_bytes(people_csv(11) + b"Bad,Row,not-an-email,X\r\n")  # as if the data changed meanwhile
    run_worker()
    job.refresh_from_db()
    assert job.status == "failed" and "1 row(s) now have errors" in job.error
    assert not Contact.objects.exists()


@pytest.fixture
def listed(db):
    org = factories.organisation(name="Acme Digital", city="Leeds")
    other = factories.organisation(name="Other Ltd", city="York")
    people = [
        factories.contact(org, first_name=f"Ann{i}", last_name=f"Lee{i:02d}", email=f"ann{i}@acme.example")
        for i in range(9)
    ]
    factories.contact(other, first_name="Not", last_name="Listed", email="not@other.example")
    return org, people


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_long_export_makes_a_private_file_with_the_filtered_rows(client, organiser, staff, listed, fmt):
    from tests.spreadsheets.test_exports import column, xlsx_rows

    _org, people = listed
    client.force_login(organiser)
    response = client.get(reverse("spreadsheets:export", args=["contacts"]) + f"?format={fmt}&city=Leeds")
    job = SpreadsheetJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.kind, job.target, job.file_format, job.rows_total) == ("export", "contacts", fmt, 9)
    run_worker()
    job.refresh_from_db()
    assert job.status == "done" and job.summary == "9 rows exported"
    page = client.get(job.get_absolute_url()).content.decode()
    download = reverse("spreadsheets:job_download", args=[job.pk])
    assert download in page and "9 rows exported" in page
    assert str(job.file_path).startswith("spreadsheets/jobs/")
    response = client.get(download)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert f'filename="contacts-{timezone.localdate():%Y-%m-%d}.{fmt}"' in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    rows = exports.read_csv_rows(content) if fmt == "csv" else xlsx_rows(content)
    assert sorted(column(rows, "Email")) == sorted(p.email for p in people)
    # Only the person who asked may fetch the file; the media folder is never served.
    client.force_login(staff)
    assert client.get(download).status_code == 404
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get("/media/" + job.file_path).status_code == 404


def test_an_export_with_an_invalid_filter_is_still_a_clear_400(client, organiser, listed):
    client.force_login(organiser)
    response = client.get(reverse("spreadsheets:export", args=["contacts"]) + "?owner=999999")
    assert response.status_code == 400 and not SpreadsheetJob.objects.exists()


def test_a_short_export_still_downloads_at_once(client, organiser, listed, settings):
    settings.SPREADSHEET_BACKGROUND_ROWS = 100
    client.force_login(organiser)
    response = client.get(reverse("spreadsheets:export", args=["contacts"]))
    assert response.status_code == 200 and not SpreadsheetJob.objects.exists()


def test_the_job_page_works_with_the_immediate_backend(
    client, organiser, listed, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):  # outside a test, at the end of the request's write
        response = client.get(reverse("spreadsheets:export", args=["contacts"]) + "?format=csv")
    job = SpreadsheetJob.objects.get()
    assert job.status == "done" and job.summary == "10 rows exported"
    page = client.get(response["Location"]).content.decode()
    assert "10 rows exported" in page and reverse("spreadsheets:job_download", args=[job.pk]) in page
    assert 'data-finished="true"' in page


def test_the_progress_shows_live_figures_while_the_job_runs(client, staff):
    job = SpreadsheetJob.objects.create(
        kind="import", target="contacts", created_by=staff, status="running", step="Writing", rows_total=4000
    )
    services.record_progress(job.pk, 3000, 4000, "Writing")
    client.force_login(staff)
    data = client.get(reverse("spreadsheets:job_progress", args=[job.pk])).json()
    assert (data["status"], data["step"], data["done"], data["total"], data["percent"]) == (
        "running",
        "Writing",
        3000,
        4000,
        75,
    )
    assert "reload" not in data
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'value="75"' in page and '3000</span> of <span data-field="total">4000' in page


def test_commit_import_reports_its_progress(db, staff):
    table = read_table(people_csv(30), "people.csv")
    plan = plan_import(
        "contacts",
        table,
        {"First Name": "first_name", "Last Name": "last_name", "E-mail Address": "email", "Company": "organisation"},
    )
    calls = []
    commit_import(plan, user=staff, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 30) and calls[-1] == (30, 30)
    assert Contact.objects.count() == 30


def test_the_bar_moves_batch_by_batch_while_an_import_writes(db, staff, monkeypatch):
    from spreadsheets.resources import base

    monkeypatch.setattr(base, "BATCH", 10)
    table = read_table(people_csv(25), "people.csv")
    mapping = {
        "First Name": "first_name",
        "Last Name": "last_name",
        "E-mail Address": "email",
        "Company": "organisation",
    }
    calls = []
    commit_import(plan_import("contacts", table, mapping), user=staff, progress=lambda *call: calls.append(call))
    assert calls == [(0, 25), (10, 25), (20, 25), (25, 25), (25, 25)]  # the organisations made on the way not counted

    # Re-importing with changes: the updates report too.
    changed = read_table(people_csv(25).replace(b",Company 1", b",Company 9"), "people.csv")
    calls.clear()
    plan = plan_import("contacts", changed, mapping)
    commit_import(plan, user=staff, progress=lambda *call: calls.append(call))
    assert plan.counts["updated"] == 8
    assert calls == [(0, 8), (8, 8), (8, 8)]


def test_recent_jobs_lists_only_mine_in_constant_queries(client, staff, organiser, django_assert_max_num_queries):
    def make(n, user):
        SpreadsheetJob.objects.bulk_create(
            SpreadsheetJob(
                kind="export",
                target="contacts",
                file_format="csv",
                created_by=user,
                status="done",
                summary=f"{i} rows exported",
            )
            for i in range(n)
        )

    client.force_login(staff)
    make(2, staff)
    make(3, organiser)
    with django_assert_max_num_queries(9):
        page = client.get(reverse("spreadsheets:job_list")).content.decode()
    assert page.count("rows exported") == 2
    make(60, staff)
    with django_assert_max_num_queries(9):
        page = client.get(reverse("spreadsheets:job_list")).content.decode()
    assert page.count("rows exported") == 25  # a page of the 62


@pytest.mark.clock
def test_old_export_files_are_cleaned_up(client, organiser, listed, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("spreadsheets:export", args=["contacts"]))
    job = SpreadsheetJob.objects.get()
    path = services._file(job.file_path)
    assert path.is_file()
    call_command("clean_spreadsheet_jobs", stdout=io.StringIO())
    assert path.is_file()  # young files stay
    SpreadsheetJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))
    call_command("clean_spreadsheet_jobs", stdout=io.StringIO())
    assert not path.exists()
    assert client.get(reverse("spreadsheets:job_download", args=[job.pk])).status_code == 404
    assert "The file has been deleted" in client.get(job.get_absolute_url()).content.decode()


def test_erasing_a_person_deletes_the_stored_export_files(
    client, organiser, listed, settings, django_capture_on_commit_callbacks
):
    from crm.registry import erasure_hooks

    settings.TASKS = IMMEDIATE
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("spreadsheets:export", args=["contacts"]))
    job = SpreadsheetJob.objects.get()
    path = services._file(job.file_path)
    assert path.is_file()
    assert services.forget_exports_on_erasure in erasure_hooks()
    with django_capture_on_commit_callbacks(execute=True):
        services.forget_exports_on_erasure(listed[1][0], organiser)  # as the erasure calls it
    assert not path.exists()
    job.refresh_from_db()
    assert job.file_path == "" and client.get(reverse("spreadsheets:job_download", args=[job.pk])).status_code == 404


@pytest.mark.clock
def test_a_job_whose_worker_stopped_says_so(client, staff):
    job = SpreadsheetJob.objects.create(
        kind="import",
        target="contacts",
        created_by=staff,
        status="running",
        started_at=timezone.now() - datetime.timedelta(hours=2),
        rows_total=4000,
    )
    client.force_login(staff)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "the worker was probably stopped" in page and "nothing of it was written" in page
    SpreadsheetJob.objects.filter(pk=job.pk).update(started_at=timezone.now())
    assert client.get(reverse("spreadsheets:job_progress", args=[job.pk])).json()["stalled"] is False
