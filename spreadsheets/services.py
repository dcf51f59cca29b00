"""Background imports and exports: start a job (the request returns at once), run it in the task
worker, report its progress, keep its export file private, clean old files away.

Small files keep the synchronous path (spreadsheets.views); above SPREADSHEET_BACKGROUND_ROWS
rows the views call ``start_import_job`` / ``start_export_job`` instead, and the task
(spreadsheets.tasks) calls ``run_job``. The import itself is the same engine call as the
synchronous path (plan, then one atomic commit), so a failed job has written nothing.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import secrets
import time
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from spreadsheets import exports, importing
from spreadsheets.models import SpreadsheetJob

logger = logging.getLogger(__name__)

#: Report progress at most once per this many rows (one batch).
PROGRESS_EVERY = 1000
JOB_FOLDER = "spreadsheets/jobs"


class JobRefused(Exception):
    """The job may not run any more (e.g. its owner lost the permission); the message says why."""


def background_rows() -> int:
    """Above this many rows an import's commit or an export runs as a background job."""
    return int(getattr(settings, "SPREADSHEET_BACKGROUND_ROWS", 2000))


def job_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / JOB_FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def _file(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def _update(job: SpreadsheetJob, **fields) -> None:
    """Save a few fields on the row and on the object (outside any transaction of the import)."""
    SpreadsheetJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


# ---------------------------------------------------------------- progress


def _progress_file(job_id: int) -> Path:
    return job_dir() / f"{job_id}.progress"


def record_progress(job_id: int, done: int, total: int, step: str) -> None:
    """Write the live figures to a side file: the import's writes run in one transaction, so
    an UPDATE of the job row made meanwhile would only be seen once everything is written."""
    path = _progress_file(job_id)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"done": done, "total": total, "step": step}))
    tmp.replace(path)


def live_progress(job: SpreadsheetJob) -> dict:
    """The job's status for the progress bar: the row, overlaid with the side file while it runs."""
    done, total, step = job.rows_done, job.rows_total, job.step
    stalled = False
    if job.status == SpreadsheetJob.Status.RUNNING:
        last = job.started_at.timestamp() if job.started_at else time.time()
        try:
            path = _progress_file(job.pk)
            live = json.loads(path.read_text())
            done, total, step = int(live["done"]), int(live["total"]), str(live["step"])
            last = max(last, path.stat().st_mtime)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        stalled = time.time() - last > settings.SPREADSHEET_JOB_STALL_MINUTES * 60
    finished = job.status in (SpreadsheetJob.Status.DONE, SpreadsheetJob.Status.FAILED)
    if job.status == SpreadsheetJob.Status.DONE:
        percent = 100
    else:
        percent = min(100, round(100 * done / total)) if total else 0
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "step": step,
        "done": done,
        "total": total,
        "percent": percent,
        "finished": finished,
        # Nothing measurable yet (waiting for the worker, or a step that reports only at its end).
        "indeterminate": not finished and done == 0,
        # No news for a long while: the worker was probably stopped (an import then wrote nothing).
        "stalled": stalled,
    }


class _CountingRows(list):
    """The table's rows, reporting every PROGRESS_EVERY rows the dry run has read."""

    def __init__(self, rows, report):
        super().__init__(rows)
        self.report = report

    def __iter__(self):
        total = len(self)
        for index, row in enumerate(super().__iter__(), 1):
            yield row
            if index % PROGRESS_EVERY == 0:
                self.report(index, total)
        self.report(total, total)


# ---------------------------------------------------------------- starting


def start_import_job(*, user, upload: Path, meta: dict, skip_errors: bool) -> SpreadsheetJob:
    """Take a claimed upload (spreadsheets.uploads.claim_upload) into a queued import job."""
    clean_old_job_files()
    params = {
        "mapping": meta.get("mapping"),
        "mode": meta.get("mode", "create_update"),
        "overwrite_blank": bool(meta.get("overwrite_blank")),
        "skip_errors": bool(skip_errors),
    }
    with transaction.atomic():
        job = SpreadsheetJob.objects.create(
            kind=SpreadsheetJob.Kind.IMPORT,
            target=meta["target"],
            params=params,
            created_by=user,
            file_name=str(meta.get("file_name") or "import")[:255],
            rows_total=int(meta.get("row_count") or 0),
        )
        relative = f"{JOB_FOLDER}/{job.pk}-{secrets.token_hex(8)}.upload"
        target = _file(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(upload, target)
        job.file_path = relative
        job.file_size = target.stat().st_size
        job.save(update_fields=["file_path", "file_size"])
        transaction.on_commit(lambda: _enqueue(job))
    return job


def start_export_job(
    *, user, target: str, file_format: str, filters: QueryDict | dict, include_do_not_contact: bool, total: int
) -> SpreadsheetJob:
    """Queue an export of exactly the rows the list shows for these filters."""
    clean_old_job_files()
    if isinstance(filters, QueryDict):
        filters = {key: filters.getlist(key) for key in filters}
    with transaction.atomic():
        job = SpreadsheetJob.objects.create(
            kind=SpreadsheetJob.Kind.EXPORT,
            target=target,
            file_format=file_format,
            created_by=user,
            params={"filters": filters, "include_do_not_contact": bool(include_do_not_contact)},
            rows_total=total,
        )
        transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job: SpreadsheetJob) -> None:
    from spreadsheets.tasks import run_spreadsheet_job

    try:
        run_spreadsheet_job.enqueue(job.pk)
    except Exception as error:  # the queue is down: say so on the job page rather than wait forever
        logger.exception("Could not queue spreadsheet job %s", job.pk)
        _update(
            job,
            status=SpreadsheetJob.Status.FAILED,
            finished_at=timezone.now(),
            error=f"The job could not be queued ({error.__class__.__name__}). Nothing was done; "
            "please try again later.",
        )


# ---------------------------------------------------------------- running (in the worker)


def run_job(job_id: int) -> str:
    """Run a queued job to the end; failures are written on the job, never raised."""
    job = SpreadsheetJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != SpreadsheetJob.Status.QUEUED:
        return f"job {job_id} is {job.status}: nothing to do"
    _update(job, status=SpreadsheetJob.Status.RUNNING, started_at=timezone.now(), error="")
    try:
        if job.kind == SpreadsheetJob.Kind.IMPORT:
            summary = _run_import(job)
        else:
            summary = _run_export(job)
    except (importing.ImportRejected, exports.InvalidFilter, exports.UnknownTarget, JobRefused) as refused:
        _fail(job, f"{'Nothing was imported' if job.kind == 'import' else 'No file was made'}: {refused}")
        return f"failed: {refused}"
    except Exception as error:
        logger.exception("Spreadsheet job %s failed", job.pk)
        what = "Nothing was imported" if job.kind == "import" else "No file was made"
        _fail(job, f"{what}: the job stopped with an unexpected error ({error.__class__.__name__}: {error}).")
        return f"failed: {error.__class__.__name__}"
    finally:
        _progress_file(job.pk).unlink(missing_ok=True)
    return summary


def _fail(job, message):
    if job.kind == SpreadsheetJob.Kind.IMPORT:
        _discard_file(job)
    _update(job, status=SpreadsheetJob.Status.FAILED, error=message[:4000], finished_at=timezone.now())


def _discard_file(job):
    if job.file_path:
        _file(job.file_path).unlink(missing_ok=True)
        _update(job, file_path="", file_size=0)


def _run_import(job: SpreadsheetJob) -> str:
    params = job.params or {}
    try:
        data = _file(job.file_path).read_bytes() if job.file_path else None
    except FileNotFoundError:
        data = None
    if data is None:
        raise importing.ImportRejected("the uploaded file is no longer on the server; please upload it again.")
    table = importing.read_table(data, job.file_name)
    total = len(table.rows)

    def checking(done, of):
        record_progress(job.pk, done, of, "Checking rows")

    mapping = params.get("mapping")
    if mapping is None:  # as the wizard does when no column was mapped by hand
        mapping = importing.auto_map(job.target, table.headers, table.rows)
    _update(job, step="Checking rows", rows_done=0, rows_total=total)
    table.rows = _CountingRows(table.rows, checking)
    plan = importing.plan_import(
        job.target,
        table,
        mapping,
        mode=params.get("mode", "create_update"),
        overwrite_blank=bool(params.get("overwrite_blank")),
    )
    if plan.has_errors and not params.get("skip_errors"):
        raise importing.ImportRejected(
            f"{plan.counts['errors']} row(s) now have errors (the records changed since the preview). "
            "Upload the file again to see them."
        )
    step = f"Writing {plan.writes} rows, all or nothing"
    _update(job, step=step, rows_done=0, rows_total=plan.writes)
    record_progress(job.pk, 0, plan.writes, step)

    def writing(done, of):
        record_progress(job.pk, done, of, step)

    batch = importing.commit_import(
        plan, user=job.created_by, file_name=job.file_name, mapping=params.get("mapping"), progress=writing
    )
    _discard_file(job)
    _update(
        job,
        status=SpreadsheetJob.Status.DONE,
        step="Done",
        batch=batch,
        summary=plan.summary,
        rows_done=plan.writes,
        rows_total=plan.writes,
        finished_at=timezone.now(),
    )
    return plan.summary


def _run_export(job: SpreadsheetJob) -> str:
    spec = exports.get_target(job.target)
    params = job.params or {}
    user = job.created_by
    if user is None or not user.has_perm(spec.permission):
        raise JobRefused("you may no longer export this list.")
    data = QueryDict(mutable=True)
    for key, values in (params.get("filters") or {}).items():
        data.setlist(key, values if isinstance(values, list) else [values])
    queryset = exports.filtered_queryset(
        spec,
        data,
        request=SimpleNamespace(user=user),
        include_do_not_contact=bool(params.get("include_do_not_contact")),
    )
    total = queryset.count()
    _update(job, step="Writing the file", rows_done=0, rows_total=total)
    stream = exports.RowStream(spec, queryset)
    fmt = job.file_format if job.file_format in exports.FORMATS else "csv"
    relative = f"{JOB_FOLDER}/{job.pk}-{secrets.token_hex(8)}.{fmt}"
    path = _file(relative)
    partial = path.with_suffix(".partial")
    rows = _ReportingStream(stream, lambda done: record_progress(job.pk, done, total, "Writing the file"))
    try:
        with open(partial, "wb") as handle:
            if fmt == "xlsx":
                exports.write_xlsx(rows, handle)
            else:
                handle.writelines(exports.iter_csv(rows))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    summary = f"{stream.count} row{'s' if stream.count != 1 else ''} exported"
    _update(
        job,
        status=SpreadsheetJob.Status.DONE,
        step="Done",
        file_path=relative,
        file_size=path.stat().st_size,
        file_name=exports.export_filename(spec, fmt),
        rows_done=stream.count,
        rows_total=stream.count,
        summary=summary,
        finished_at=timezone.now(),
    )
    return summary


class _ReportingStream:
    """A RowStream that reports its count every PROGRESS_EVERY rows (write_xlsx/iter_csv read
    ``headers`` and ``target`` and iterate it)."""

    def __init__(self, stream, report):
        self.stream, self.report = stream, report
        self.headers, self.target = stream.headers, stream.target

    def __iter__(self):
        for row in self.stream:
            yield row
            if self.stream.count % PROGRESS_EVERY == 0:
                self.report(self.stream.count)


# ---------------------------------------------------------------- files


def export_file(job: SpreadsheetJob) -> Path | None:
    """The finished export's file, or None when it has been cleaned up."""
    if job.kind != SpreadsheetJob.Kind.EXPORT or job.status != SpreadsheetJob.Status.DONE or not job.file_path:
        return None
    path = _file(job.file_path)
    return path if path.is_file() else None


def delete_export_files() -> int:
    """Delete every stored export file (the job rows stay, marked as having none)."""
    return _remove_job_files(SpreadsheetJob.objects.filter(kind=SpreadsheetJob.Kind.EXPORT))


def _remove_job_files(jobs) -> int:
    """Delete the stored files of these jobs and mark the rows as having none (one update)."""
    removed, cleared = 0, []
    for pk, relative in jobs.exclude(file_path="").values_list("pk", "file_path"):
        try:
            _file(relative).unlink()
            removed += 1
        except FileNotFoundError:
            pass
        cleared.append(pk)
    SpreadsheetJob.objects.filter(pk__in=cleared).update(file_path="", file_size=0)
    return removed


def forget_exports_on_erasure(contact, user) -> None:
    """Erasure hook: the erased person may be in any stored export file, so once the erasure has
    committed every stored export goes (anyone who needs one exports the list again)."""
    transaction.on_commit(delete_export_files)


def clean_old_job_files(max_age_days: float | None = None) -> int:
    """Delete export files (and never-started uploads) older than SPREADSHEET_JOB_FILES_DAYS; the
    job rows stay, marked as having no file. Returns how many files went."""
    days = settings.SPREADSHEET_JOB_FILES_DAYS if max_age_days is None else max_age_days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    removed = _remove_job_files(SpreadsheetJob.objects.filter(created_at__lt=cutoff))
    known = set(SpreadsheetJob.objects.exclude(file_path="").values_list("file_path", flat=True))
    folder = job_dir()
    limit = time.time() - days * 86400
    for path in folder.iterdir():  # files of deleted jobs, partial files of crashed workers
        relative = f"{JOB_FOLDER}/{path.name}"
        try:
            if path.is_file() and relative not in known and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed
