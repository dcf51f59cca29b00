"""Fault 2: the task worker is killed (SIGKILL) in the middle of a mail merge to 500 people.

A real worker process (manage.py db_worker), a real SMTP server, the test database on
PostgreSQL. While the worker is dead the merge's page and My follow-ups say it stopped; after
a resume and a new worker, every recipient is sent or shown with why not, nobody received the
message twice, and the merge's counts match what the server received.
"""

import contextlib
import time

import pytest
from django.urls import reverse

from crm.models import Contact
from mail import outbound
from mail.models import EmailTemplate, MailMerge, MailMergeRecipient
from tests.faults.report import Row, record
from tests.faults.smtp import flaky_smtp
from tests.faults.worker import BACKEND_LABEL, WorkerProcess, task_backend, wait_for, worker_command

pytestmark = [pytest.mark.worker_process, pytest.mark.django_db(transaction=True)]

RECIPIENTS = 500


@contextlib.contextmanager
def backend_and_runner(name):
    """The worker's environment, and a way to run code (queue the merge) in a process configured
    for that backend, as the web server of such an installation is."""
    with task_backend(name) as env:

        def run(code):
            WorkerProcess(env=env).run_python(f"from mail import outbound; from mail.models import MailMerge; {code}")

        yield env, run


@pytest.mark.parametrize("backend", ["database", "rq"])
def test_a_merge_killed_half_way_resumes_and_sends_nobody_twice(client, organiser, settings, backend):
    Contact.objects.bulk_create(
        Contact(first_name=f"Guest{i}", last_name="Fault", email=f"guest{i}@example.org") for i in range(RECIPIENTS)
    )
    template = EmailTemplate.objects.create(name="Launch", subject="The launch", body="Dear {{ first_name }}")
    merge = outbound.create_merge(user=organiser, template=template, contacts=Contact.objects.order_by("pk"))
    settings.MAIL_MERGE_STALLED_SECONDS = 1
    with flaky_smtp() as (smtp, port), backend_and_runner(backend) as (backend_env, run):
        smtp.delay = 0.004  # the server takes a moment per message, as real ones do
        env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), **backend_env}
        run(f"outbound.start_merge(MailMerge.objects.get(pk={merge.pk}))")
        worker = WorkerProcess(env=env, command=worker_command(backend)).start()
        try:
            wait_for(lambda: len(smtp.received) >= RECIPIENTS // 3, timeout=120, what="a third of the merge")
            worker.kill()
            killed_at = time.monotonic()
        finally:
            worker.stop()
        received_before = len(smtp.received)
        merge.refresh_from_db()
        assert merge.status == MailMerge.Status.RUNNING  # what the dead worker left

        # Nobody resumed it yet: the page and My follow-ups say it stopped, not "Sending" for ever.
        time.sleep(1.2)
        client.force_login(organiser)
        assert "the task worker stopped" in client.get(merge.get_absolute_url()).content.decode()
        assert merge.get_absolute_url() in client.get(reverse("crm:followup_list")).content.decode()

        run(f"merge = MailMerge.objects.get(pk={merge.pk}); outbound.resume_merge(user=merge.created_by, merge=merge)")
        with WorkerProcess(env=env, command=worker_command(backend)):
            wait_for(
                lambda: MailMerge.objects.get(pk=merge.pk).status in ("done", "failed"),
                timeout=180,
                what="the resumed merge",
                interval=0.1,
            )
        recovered_in = time.monotonic() - killed_at

    merge.refresh_from_db()
    received = smtp.recipients()
    rows = list(merge.recipients.values_list("email", "status", "reason"))
    sent = {email for email, status, _ in rows if status == MailMergeRecipient.Status.SENT}
    interrupted = {email for email, status, reason in rows if status == "failed" and "Interrupted" in reason}
    assert merge.status == MailMerge.Status.DONE
    assert max(smtp.message_ids().values()) == 1 and max(received.values()) == 1, "nobody received it twice"
    assert {status for _, status, _ in rows} <= {"sent", "failed"}, "every recipient is sent or shown with why not"
    assert all(reason for _, status, reason in rows if status == "failed")
    assert len(interrupted) <= 1  # at most the one message in flight when the worker died
    assert sent <= set(received) and set(received) - sent <= interrupted  # counts match the server
    assert len(sent) + len(interrupted) == RECIPIENTS
    record(
        Row(
            2,
            "Task worker SIGKILLed mid mail merge",
            f"worker killed once {received_before} of {RECIPIENTS} messages had arrived; page and follow-ups checked; "
            "resumed with a new worker",
            f"{RECIPIENTS} messages",
            lost=RECIPIENTS - len(sent) - len(interrupted),
            duplicated=sum(n - 1 for n in received.values()),
            recovery=f"{recovered_in:.1f} s from the kill to the last message (resume at once); "
            f"{len(interrupted)} interrupted mid-send, shown as not sent again",
            backend=BACKEND_LABEL[backend],
        )
    )
