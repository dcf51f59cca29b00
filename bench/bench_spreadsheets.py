"""Background import/export jobs: how fast the starting request returns, what the job costs.

    .venv/bin/python bench/bench_spreadsheets.py [--rows 20000] [--jobs 1000]

On a fresh temporary SQLite database (or DATABASE_URL's PostgreSQL), through the Django
test client as a signed-in member of staff:
- export of --rows contacts: the synchronous CSV download (threshold raised above the rows)
  versus the request that queues the same export as a job (the default threshold), then the
  job itself (spreadsheets.services.run_job, as the worker runs it);
- import of a --rows-row contacts CSV: the confirm POST that queues the commit, then the job;
- the Recent jobs page with --jobs jobs (median server time and queries).
Writes bench/results/spreadsheets.json.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_description, machine_line, setup_django, timed, write_json


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    os.environ["MEDIA_ROOT"] = str(work / "media")
    setup_django(work / "bench.sqlite3")

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment
    from django.urls import reverse

    from crm.models import Contact, Organisation
    from crm.normalise import organisation_key
    from spreadsheets import services
    from spreadsheets.models import SpreadsheetJob

    settings.ALLOWED_HOSTS = ["*"]
    settings.BASE_DIR = work  # the wizard's uploads
    user = get_user_model().objects.create_user("bench-staff", password="x")
    user.groups.add(Group.objects.get(name="Staff"))
    client = Client()
    client.force_login(user)
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=f"Org {n} Ltd", name_key=organisation_key(f"Org {n} Ltd"), city="Leeds") for n in range(500)]
    )
    Contact.objects.bulk_create(
        [
            Contact(
                first_name=f"First{n}", last_name=f"Last{n}", email=f"person{n}@example.com", organisation=orgs[n % 500]
            )
            for n in range(args.rows)
        ],
        batch_size=2000,
    )
    results = {"machine": machine_description(), "rows": args.rows, "jobs": args.jobs}
    export_url = reverse("spreadsheets:export", args=["contacts"]) + "?format=csv"

    def sync_export():
        response = client.get(export_url)
        assert response.status_code == 200
        b"".join(response.streaming_content)

    settings.SPREADSHEET_BACKGROUND_ROWS = args.rows + 1
    results["export_sync_download_s"] = timed(sync_export, repeat=3)
    settings.SPREADSHEET_BACKGROUND_ROWS = 2000
    queued = []

    def queue_export():
        response = client.get(export_url)
        assert response.status_code == 302
        queued.append(SpreadsheetJob.objects.latest("pk").pk)

    results["export_queue_request_s"] = timed(queue_export, repeat=3)
    results["export_job_s"] = timed(lambda: services.run_job(queued.pop()), repeat=3)

    csv_data = (
        "First Name,Last Name,Email,Company\n"
        + "".join(f"New{n},Person{n},new{n}@example.org,Org {n % 700} Ltd\n" for n in range(args.rows))
    ).encode()
    response = client.post(
        reverse("spreadsheets:import_upload"),
        {
            "target": "contacts",
            "mode": "create_update",
            "file": SimpleUploadedFile("bench.csv", csv_data, content_type="text/csv"),
        },
    )
    token = response["Location"].split("/")[-3]
    setup_test_environment()  # response.context, for the mapping form as pre-filled; slows rendering, so only here
    page = client.get(reverse("spreadsheets:import_map", args=[token]))
    form = page.context["form"]
    teardown_test_environment()
    client.post(reverse("spreadsheets:import_map", args=[token]), {n: form[n].value() or "" for n in form.fields})
    start = time.perf_counter()
    client.get(reverse("spreadsheets:import_preview", args=[token]))
    results["import_preview_s"] = time.perf_counter() - start
    start = time.perf_counter()
    response = client.post(reverse("spreadsheets:import_commit", args=[token]))
    results["import_queue_request_s"] = time.perf_counter() - start
    job = SpreadsheetJob.objects.latest("pk")
    assert response["Location"] == job.get_absolute_url(), response["Location"]
    start = time.perf_counter()
    summary = services.run_job(job.pk)
    results["import_job_s"] = time.perf_counter() - start
    results["import_summary"] = summary

    SpreadsheetJob.objects.bulk_create(
        SpreadsheetJob(
            kind="export",
            target="contacts",
            file_format="csv",
            created_by=user,
            status="done",
            summary=f"{n} rows exported",
        )
        for n in range(args.jobs)
    )
    list_url = reverse("spreadsheets:job_list")
    with CaptureQueriesContext(connection) as queries:
        client.get(list_url)
    results["job_list_queries"] = len(queries)
    results["job_list_s"] = timed(lambda: client.get(list_url), repeat=20, warmup=2)
    results["job_progress_s"] = timed(
        lambda: client.get(reverse("spreadsheets:job_progress", args=[job.pk])), repeat=20, warmup=2
    )

    print(machine_line(results["machine"]))
    print(f"{args.rows} contacts")
    for key in ("export_sync_download_s", "export_queue_request_s", "export_job_s", "job_list_s", "job_progress_s"):
        print(f"  {key:28} median {results[key]['median'] * 1000:8.1f} ms")
    for key in ("import_preview_s", "import_queue_request_s", "import_job_s"):
        print(f"  {key:28} {results[key] * 1000:8.1f} ms")
    print(f"  job list queries: {results['job_list_queries']}; import: {summary}")
    print(f"written to {write_json('spreadsheets', results)}")


if __name__ == "__main__":
    main()
