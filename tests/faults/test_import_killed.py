"""Fault 3: the worker killed (SIGKILL) in the middle of a background import of 100,000 rows.

The real worker process on each task backend (db_worker; RQ's worker with a real Redis), the
PostgreSQL test database. The import is one transaction, so a
worker killed while writing leaves nothing written; the job's page says it stopped; the same
file imported again completes; undo removes it all.
"""

import csv
import io
import tempfile
import time
from pathlib import Path

import pytest
from django.urls import reverse

from crm.models import Contact, ImportBatch
from spreadsheets.importing import undo_import
from spreadsheets.models import SpreadsheetJob
from tests.faults.report import Row, record
from tests.faults.worker import BACKEND_LABEL, WorkerProcess, task_backend, wait_for, worker_command

pytestmark = [pytest.mark.worker_process, pytest.mark.slow_fault, pytest.mark.django_db(transaction=True)]

ROWS = 100_000


def upload_of(rows: int) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["First Name", "Last Name", "Email", "Job Title"])
    for i in range(rows):
        writer.writerow([f"First{i}", f"Last{i}", f"person{i}@import.example", "Officer"])
    handle = tempfile.NamedTemporaryFile(suffix=".csv", delete=False)  # noqa: SIM115 (moved by the job)
    handle.write(buffer.getvalue().encode())
    handle.close()
    return Path(handle.name)


def start(env: dict, staff, upload: Path) -> SpreadsheetJob:
    """The upload queued as a background import by a process on the worker's task backend, as the
    web server of such an installation queues it."""
    meta = {"target": "contacts", "file_name": "big.csv", "row_count": ROWS, "mode": "create_update"}
    printed = WorkerProcess(env=env).run_python(
        "from pathlib import Path; from django.contrib.auth import get_user_model; "
        "from spreadsheets.services import start_import_job; "
        f"job = start_import_job(user=get_user_model().objects.get(pk={staff.pk}), upload=Path({str(upload)!r}), "
        f"meta={meta!r}, skip_errors=False); print('JOB', job.pk)"
    )
    return SpreadsheetJob.objects.get(pk=int(printed.split("JOB ")[-1]))


@pytest.mark.parametrize("backend", ["database", "rq"])
def test_an_import_killed_while_writing_leaves_nothing_and_runs_again(client, staff, settings, backend):
    with task_backend(backend) as backend_env:
        recovered_in, again = kill_and_import_again(client, staff, settings, backend, backend_env)
    assert again.status == SpreadsheetJob.Status.DONE, again.error
    assert Contact.objects.count() == ROWS
    undo_import(again.batch, user=staff)
    assert Contact.objects.count() == 0
    record(
        Row(
            3,
            "Worker SIGKILLed mid background import of 100,000 rows",
            f"{'db_worker' if backend == 'database' else 'rqworker and its work horse'} killed while the import "
            "wrote; the page checked; the file imported again; undone",
            f"{ROWS:,} rows",
            lost=0,
            duplicated=0,
            recovery=f"nothing written by the killed run; the second run done {recovered_in:.0f} s after the kill; "
            "undo removed all 100,000",
            backend=BACKEND_LABEL[backend],
        )
    )


def kill_and_import_again(client, staff, settings, backend, backend_env) -> tuple[float, SpreadsheetJob]:
    """Start the import, SIGKILL its worker while it writes, check what is left, import again."""
    env = {"MEDIA_ROOT": str(settings.MEDIA_ROOT), **backend_env}
    job = start(env, staff, upload_of(ROWS))
    with WorkerProcess(env=env, command=worker_command(backend)) as worker:
        wait_for(
            lambda: SpreadsheetJob.objects.filter(pk=job.pk, step__startswith="Writing").exists(),
            timeout=240,
            what="the import to start writing",
            interval=0.05,
        )
        time.sleep(0.5)  # well inside the write: it takes seconds for 100,000 rows
        worker.kill()
        killed_at = time.monotonic()
    job.refresh_from_db()
    assert job.status == SpreadsheetJob.Status.RUNNING  # what the dead worker left
    assert Contact.objects.count() == 0 and not ImportBatch.objects.exists(), "all or nothing: nothing written"

    settings.SPREADSHEET_JOB_STALL_MINUTES = 0.01
    time.sleep(1)
    client.force_login(staff)
    page = client.get(reverse("spreadsheets:job_detail", args=[job.pk])).content.decode()
    assert "the worker was probably stopped" in page and "nothing of it was written" in page

    again = start(env, staff, upload_of(ROWS))  # the person uploads the file again, as the page says
    with WorkerProcess(env=env, command=worker_command(backend)):
        wait_for(
            lambda: SpreadsheetJob.objects.get(pk=again.pk).status in ("done", "failed"),
            timeout=300,
            what="the second import",
            interval=0.2,
        )
    recovered_in = time.monotonic() - killed_at
    again.refresh_from_db()
    return recovered_in, again
