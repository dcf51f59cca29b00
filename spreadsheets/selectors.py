"""Reads the job pages share."""

from spreadsheets.models import SpreadsheetJob


def recent_jobs(user):
    """The user's own jobs, newest first (one query per page; no joins needed by the table)."""
    return SpreadsheetJob.objects.filter(created_by=user).defer("params", "error")


def job_for(user, pk):
    """A job the user may see: their own (superusers see every job); None otherwise."""
    jobs = SpreadsheetJob.objects.select_related("batch", "created_by")
    if not user.is_superuser:
        jobs = jobs.filter(created_by=user)
    return jobs.filter(pk=pk).first()
