"""Fault 2, one message: the process sending one templated email with an attachment is killed
(SIGKILL) mid-send, then restarted.

A single message goes out in the web request (the compose page), so the worker killed is
gunicorn's: the master starts a new one, as it does after a worker's timeout or the OOM killer.
Real gunicorn, real SMTP server, the PostgreSQL test database, the pledge's agreement PDF attached.
Killed at two moments: before the server took the message, and after it had it but before its
250 reached the CRM (the worst one: sent, and the CRM does not know). After the restart the
browser sends the same page again, as a person does after an error page: the server received it
at most once, the CRM shows it as interrupted while sending with why, and it is never sent twice.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from crm.models import Event, Interaction
from mail.models import EmailAttachment, EmailMessage, EmailTemplate
from sponsors.models import SponsorshipTier
from sponsors.services import create_pledge
from tests.crm import factories
from tests.faults.report import Row, record
from tests.faults.smtp import flaky_smtp
from tests.faults.worker import ROOT, WorkerProcess, descendants, wait_for
from tests.mail.servers import free_port

pytestmark = [pytest.mark.worker_process, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pledge(organiser):
    event = Event.objects.create(
        name="Launch 2027",
        date=datetime.date(2027, 3, 18),
        venue="Civic Hall",
        capacity=250,
        sponsorship_target=Decimal("20000"),
    )
    tier = SponsorshipTier.objects.create(event=event, name="Gold", price=Decimal("2500"), ticket_allocation=4)
    org = factories.organisation(name="Leeds City Council")
    factories.contact(org, first_name="Priya", last_name="Shah", email="priya@leeds.example")
    return create_pledge(
        organisation=org, event=event, tier=tier, amount=Decimal("2500"), stage="confirmed", user=organiser
    )


class Gunicorn:
    """gunicorn with one sync worker on the test database; `kill_worker` SIGKILLs the worker only."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "crm.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--timeout",
            "120",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=WorkerProcess(env=env).env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.wait_until_serving()

    def wait_until_serving(self) -> None:
        def answers():
            try:
                with urllib.request.urlopen(f"{self.base}/accounts/login/", timeout=5) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_for(answers, timeout=60, what="gunicorn to answer", interval=0.1)

    def kill_worker(self) -> None:
        for pid in descendants(self.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Browser:
    """The organiser's browser: their session cookie, the CSRF cookie and token of the page."""

    def __init__(self, base: str, session: str):
        self.base, self.cookies = base, {"sessionid": session}

    def open(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, text, headers = response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            status, text, headers = error.code, error.read().decode(), error.headers
        for cookie in headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return status, text


def field(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("moment", ["rcpt", "data"])
def test_a_send_killed_mid_smtp_is_received_at_most_once_and_shown_with_why(
    client, organiser, pledge, settings, moment
):
    template = EmailTemplate.objects.create(
        name="Agreement", subject="Your agreement, {{ organisation }}", body="Dear {{ first_name }},\nIt is attached."
    )
    priya = pledge.organisation.contacts.get()
    client.force_login(organiser)
    with flaky_smtp() as (smtp, port):
        smtp.hold_at = moment
        env = {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "0",
            "HTTPS": "0",
            "MAIL_SEND_STALLED_SECONDS": "1",
        }
        server = Gunicorn(env)
        try:
            browser = Browser(server.base, client.cookies["sessionid"].value)
            url = reverse("mail:compose") + f"?pledge={pledge.pk}&document=agreement"
            status, page = browser.open(url + f"&template={template.pk}")
            assert status == 200 and "Sponsorship agreement" in page
            form = {
                "csrfmiddlewaretoken": field(page, "csrfmiddlewaretoken"),
                "key": field(page, "key"),
                "contact": priya.pk,
                "subject": template.subject,
                "body": template.body,
                "document": "agreement",
                "send": "1",
            }
            first: list = []
            sending = threading.Thread(target=lambda: first.append(attempt(browser, url, form)), daemon=True)
            sending.start()
            smtp.held.wait(60)
            assert smtp.held.is_set(), "the send reached the SMTP server"
            server.kill_worker()
            killed_at = time.monotonic()
            smtp.hold_at = ""  # the server goes on as usual: a second send would be received
            sending.join(30)
            server.wait_until_serving()  # gunicorn's master started a new worker
            restarted_in = time.monotonic() - killed_at
            time.sleep(1.1)  # MAIL_SEND_STALLED_SECONDS: it is now known to be interrupted
            again_status, again = browser.open(url, form)  # the browser sends the same page again
        finally:
            server.stop()
        smtp.release.set()
    settings.MAIL_SEND_STALLED_SECONDS = 1  # as the web server had it
    received = smtp.message_ids()
    assert sum(received.values()) == (1 if moment == "data" else 0), "received once or not at all, never twice"
    assert first == ["connection lost"], "the first request died with its worker"
    message = EmailMessage.objects.filter(direction="outbound").first()
    assert message is not None, "the CRM keeps the message it was sending, to say what became of it"
    assert again_status == 400 and "interrupted while sending to priya@leeds.example" in again
    assert "not sent again" in again
    assert message.status == EmailMessage.Status.SENDING and message.interrupted
    [attachment] = EmailAttachment.objects.filter(message=message)
    assert attachment.file and attachment.file.storage.exists(attachment.file.name)  # kept, as it went
    assert not Interaction.objects.filter(kind="email").exists()  # not on the timeline as sent
    followups = client.get(reverse("crm:followup_list")).content.decode()
    assert "Email interrupted while sending" in followups and message.get_absolute_url() in followups
    shown = client.get(message.get_absolute_url()).content.decode()
    assert "interrupted while sending" in shown
    record(
        Row(
            2,
            "Web worker SIGKILLed sending one templated email with an attachment",
            "gunicorn's worker killed while the SMTP server held the "
            + ("recipient (before it had the message)" if moment == "rcpt" else "reply after the message had arrived")
            + "; its master started a new worker; the browser sent the same page again",
            "1 message with a 1-page PDF",
            lost=0,
            duplicated=max(received.values(), default=1) - 1,
            recovery=f"new worker answering {restarted_in:.1f} s after the kill; the resend refused with why; "
            f"the server received it {received[message.message_id]} time(s); shown as interrupted on its page "
            "and in My follow-ups",
            backend="gunicorn sync worker (no task backend)",
        )
    )


def attempt(browser: Browser, url: str, form: dict) -> str:
    try:
        status, _ = browser.open(url, form)
    except OSError:
        return "connection lost"
    return f"answered {status}"
