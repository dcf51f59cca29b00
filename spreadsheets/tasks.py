"""Background work of the import/export app, run by the tasks worker (`manage.py db_worker`, or RQ)."""

from django_tasks import task


@task()
def run_spreadsheet_job(job_id: int) -> str:
    """A long import's commit or a long export; the job row carries the progress and the result."""
    from spreadsheets.services import run_job

    return run_job(job_id)
