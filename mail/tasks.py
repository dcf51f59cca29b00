"""Background work, run by the tasks worker (`manage.py db_worker`, or RQ)."""

from django.conf import settings
from django_tasks import task


@task()
def fetch_mail() -> str:
    """Read the configured mailbox once; the summary line is the task's result."""
    from mail.imap import MailboxUnavailable, fetch_with_retry

    try:
        result = fetch_with_retry(settings.MAIL_IMAP_URL, settings.MAIL_IMAP_PROCESSED_FOLDER)
    except MailboxUnavailable as error:
        return f"mailbox unavailable: {error}"
    return result.summary


@task()
def run_mail_merge(merge_id: int) -> str:
    from mail.outbound import run_merge

    return run_merge(merge_id)
