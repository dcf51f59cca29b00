"""Fault 5: Dovecot restarted while `fetch_mail --watch` is reading 1,000 messages.

A real IMAP server (a private Dovecot), the real command in its own process on the PostgreSQL
test database. Each message is filed exactly once, the watch resumes by itself, and the triage
page says what happened.
"""

import os
import signal
import subprocess
import time

import pytest
from django.urls import reverse

from mail.models import EmailMessage, MailboxState
from tests.faults.report import Row, record
from tests.faults.worker import WorkerProcess, wait_for
from tests.mail.conftest import build
from tests.mail.servers import DOVECOT, dovecot

pytestmark = [pytest.mark.worker_process, pytest.mark.slow_fault, pytest.mark.django_db(transaction=True)]

MESSAGES = 1000


def restart(server) -> float:
    """Stop the Dovecot master (and so every IMAP session), start it again; seconds it was down."""
    pid_file = os.path.join(server.folder, "run", "master.pid")
    with open(pid_file) as handle:
        os.kill(int(handle.read().strip()), signal.SIGTERM)
    stopped = time.monotonic()
    wait_for(lambda: not os.path.exists(pid_file), timeout=20, what="Dovecot to stop")
    time.sleep(1)  # down for a moment, as a restart by a package upgrade is
    subprocess.run(
        [DOVECOT, "-c", os.path.join(server.folder, "dovecot.conf")],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    return time.monotonic() - stopped


def test_a_mailbox_restart_mid_watch_files_each_message_once_and_the_watch_recovers(client, organiser):
    with dovecot() as server:
        imap = server.client()
        try:
            for i in range(MESSAGES):
                imap.append(
                    "INBOX",
                    None,
                    None,
                    build(
                        sender=f"stranger{i}@elsewhere.example",
                        subject=f"M{i}",
                        message_id=f"<fault5-{i}@elsewhere.example>",
                    ),
                )
        finally:
            imap.logout()
        watcher = WorkerProcess(
            env={"MAIL_IMAP_URL": server.url, "MAIL_FETCH_INTERVAL": "1"},
            command=["fetch_mail", "--watch", "--retry-delay", "0.5", "--attempts", "8"],
        )
        with watcher:
            wait_for(lambda: EmailMessage.objects.count() >= MESSAGES // 4, timeout=120, what="a quarter filed")
            filed_before = EmailMessage.objects.count()
            down_for = restart(server)
            restarted = time.monotonic()
            wait_for(
                lambda: EmailMessage.objects.count() == MESSAGES and not server.message_ids("INBOX"),
                timeout=240,
                what="every message filed and moved",
                interval=0.5,
            )
            recovered_in = time.monotonic() - restarted
            wait_for(
                lambda: MailboxState.objects.filter(failures=0, last_error_at__isnull=False).exists(),
                timeout=60,
                what="the watch to record its first good read after the restart",
            )
        processed = server.message_ids("Processed")

    ids = list(EmailMessage.objects.values_list("message_id", flat=True))
    assert len(ids) == len(set(ids)) == MESSAGES, "each message filed exactly once"
    assert len(processed) >= MESSAGES and set(processed) == set(ids)
    state = MailboxState.objects.get()
    assert state.failures == 0 and state.last_error_at is not None, "the watch met the restart and got over it"
    client.force_login(organiser)
    page = client.get(reverse("mail:triage")).content.decode()
    assert "reading resumed by itself" in page
    record(
        Row(
            5,
            "Dovecot restarted during fetch_mail --watch",
            f"1,000 messages in the inbox; Dovecot stopped and started ({down_for:.1f} s down) once "
            f"{filed_before} were filed",
            f"{MESSAGES} messages",
            lost=MESSAGES - len(set(ids)),
            duplicated=len(ids) - len(set(ids)),
            recovery=f"{recovered_in:.1f} s from the restart to the last message filed; the triage page says so",
            backend="PostgreSQL",
        )
    )
