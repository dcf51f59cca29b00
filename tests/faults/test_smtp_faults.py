"""Fault 4: the SMTP server answers "try later" (421, 451) for a while, then recovers; one
address is refused for good (550). Real SMTP server, the real database worker loop.

Every other recipient gets the message exactly once, after retries with backoff; the refused
one is marked failed with the server's words; the merge's counts equal what the server received.
"""

import time

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from mail import outbound
from mail.models import EmailTemplate, MailMerge, MailMergeRecipient
from tests.crm import factories
from tests.faults.report import Row, record
from tests.faults.smtp import flaky_smtp

# The worker loop closes the database connection between tasks, as a worker process does.
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker_until(predicate, timeout=60):
    """django-tasks-db's worker loop, in this process, until `predicate()` (deferred retries
    become ready as time passes, so the loop is run again until then)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the merge did not finish in time"
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="fault-worker",
            excluded_queue_names=[],
        ).run()
        time.sleep(0.02)


@pytest.fixture
def smtp(settings):
    with flaky_smtp() as (inbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_TIMEOUT = 5
        settings.MAIL_MERGE_RETRY_SECONDS = 0.05
        settings.MAIL_MERGE_MAX_RETRIES = 6
        yield inbox


def merge_to(people, organiser):
    template = EmailTemplate.objects.create(name="Save the date", subject="Save the date", body="Dear {{ first_name }}")
    return outbound.create_merge(user=organiser, template=template, contacts=people, description="Fault 4")


def test_try_later_then_recovery_sends_each_once_and_a_refused_address_fails_alone(smtp, organiser):
    people = [factories.contact(email=f"guest{i}@example.org") for i in range(40)]
    smtp.refuse = {"guest7@example.org"}
    smtp.plan = ["421 4.7.0 Try again later"] * 3 + ["451 4.3.0 Temporary failure"] * 2
    merge = merge_to(people, organiser)
    started = time.monotonic()
    outbound.start_merge(merge)
    run_worker_until(lambda: MailMerge.objects.get(pk=merge.pk).status in ("done", "failed"))
    recovered_in = time.monotonic() - started

    merge.refresh_from_db()
    received = smtp.recipients()
    statuses = dict(merge.recipients.values_list("email", "status"))
    assert merge.status == MailMerge.Status.DONE and merge.retries == 0
    assert smtp.replies["421"] == 3 and smtp.replies["451"] == 2  # five "try later", each waited out
    assert max(received.values()) == 1, "nobody gets the message twice"
    assert set(received) == {p.email for p in people} - {"guest7@example.org"}
    assert statuses["guest7@example.org"] == "failed"
    assert "550" in merge.recipients.get(email="guest7@example.org").reason
    progress = outbound.merge_progress(merge)
    assert (progress["sent"], progress["failed"]) == (len(received), 1)
    record(
        Row(
            4,
            "SMTP answers 421/451 for a while; one address 550",
            "421 ×3 then 451 ×2 to a 40-recipient merge, then the server accepts; guest7 refused 550",
            "40 messages",
            lost=40 - 1 - len(received),
            duplicated=sum(n - 1 for n in received.values()),
            recovery=f"{recovered_in:.1f} s (5 retries, backoff 0.05 s doubling; 60 s doubling by default)",
            backend="database worker",
        )
    )


def test_a_server_that_never_recovers_stops_the_merge_with_what_to_do(smtp, organiser):
    people = [factories.contact(email=f"late{i}@example.org") for i in range(5)]
    smtp.plan = ["421 4.7.0 Try again later"] * 100
    merge = merge_to(people, organiser)
    outbound.start_merge(merge)
    run_worker_until(lambda: MailMerge.objects.get(pk=merge.pk).status == "failed")
    merge.refresh_from_db()
    assert smtp.replies["421"] == 7  # the first try and six retries
    assert "gave up after 6 tries" in merge.error and "Resume" in merge.error
    assert set(merge.recipients.values_list("status", flat=True)) == {MailMergeRecipient.Status.PENDING}
    smtp.plan = []  # the server is back: the organiser resumes
    outbound.resume_merge(user=organiser, merge=merge)
    outbound.start_merge(merge)
    run_worker_until(lambda: MailMerge.objects.get(pk=merge.pk).status == "done")
    assert smtp.recipients() == {p.email: 1 for p in people}


def test_a_refused_connection_waits_and_retries(settings, organiser):
    from tests.mail.servers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    settings.MAIL_MERGE_RETRY_SECONDS = 30
    merge = merge_to([factories.contact()], organiser)
    outbound.start_merge(merge)
    run_worker_until(lambda: MailMerge.objects.get(pk=merge.pk).status == "waiting")
    merge.refresh_from_db()
    assert merge.retries == 1 and "trying again at" in merge.error
    assert merge.recipients.get().status == MailMergeRecipient.Status.PENDING  # nothing was sent
