"""Fault 6: webhook receivers that refuse connections, answer 500, or hang, beside a healthy one.

A real worker process on each task backend (database, RQ with Redis), real HTTP receivers on
loopback. Failures are retried with backoff up to the limit; a hanging receiver times out and
holds the others up by at most that timeout; no receiver acknowledges the same delivery id twice.
"""

import http.server
import threading
import time
from collections import Counter

import pytest

from api.models import Webhook, WebhookDelivery
from api.services import save_webhook
from tests.faults.report import Row, record
from tests.faults.worker import BACKEND_LABEL, WorkerProcess, task_backend, wait_for, worker_command
from tests.mail.servers import free_port

pytestmark = [pytest.mark.worker_process, pytest.mark.django_db(transaction=True)]

TIMEOUT, ATTEMPTS = 1.0, 3


class Receivers:
    """One HTTP server; the path says how it behaves: /ok, /flaky (500 twice, then 200), /hang."""

    def __init__(self):
        self.posts: list[tuple[str, str, float]] = []  # (path, delivery id, when)
        self.acknowledged = Counter()  # (path, delivery id) answered 2xx
        self.release = threading.Event()
        receivers = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                delivery = self.headers.get("X-CRM-Delivery", "")
                receivers.posts.append((self.path, delivery, time.monotonic()))
                if self.path == "/hang":
                    receivers.release.wait(60)  # hangs for 60 s unless the test ends first
                    return
                flaky_failures = sum(1 for p, d, _ in receivers.posts if p == "/flaky" and d == delivery)
                status = 500 if self.path == "/flaky" and flaky_failures <= 2 else 200
                if status == 200:
                    receivers.acknowledged[(self.path, delivery)] += 1
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("backend", ["database", "rq"])
def test_refusing_failing_and_hanging_receivers_are_retried_and_hold_up_no_one(settings, backend):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    with Receivers() as receivers, task_backend(backend) as backend_env:
        env = {
            **backend_env,
            "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "1",
            "WEBHOOK_TIMEOUT_SECONDS": str(TIMEOUT),
            "WEBHOOK_MAX_ATTEMPTS": str(ATTEMPTS),
            "WEBHOOK_RETRY_SECONDS": "0.2",
        }
        targets = {
            "hang": f"{receivers.base}/hang",
            "refused": f"http://127.0.0.1:{free_port()}/",
            "flaky": f"{receivers.base}/flaky",
            "ok": f"{receivers.base}/ok",
        }
        hooks = {
            name: save_webhook(Webhook(name=name, url=url, events=["contact.created"])) for name, url in targets.items()
        }
        command = worker_command(backend)
        sent_at = time.monotonic()
        WorkerProcess(env=env).run_python(
            "from api.services import dispatch_event; dispatch_event('contact.created', {'contact': 'fault 6'})"
        )
        with WorkerProcess(env=env, command=command):

            def settled():
                pending = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).exists()
                attempts = WebhookDelivery.objects.count()
                return not pending and attempts == 1 + ATTEMPTS * 2 + 3  # ok; hang and refused ×3; flaky ×3

            wait_for(settled, timeout=120, what="every delivery to succeed or give up", interval=0.1)
        settled_in = time.monotonic() - sent_at

    final = {
        name: list(
            WebhookDelivery.objects.filter(webhook=hook).order_by("attempt").values_list("attempt", "status", "error")
        )
        for name, hook in hooks.items()
    }
    assert [s for _, s, _ in final["ok"]] == ["succeeded"]
    assert [s for _, s, _ in final["flaky"]] == ["failed", "failed", "succeeded"]
    assert [s for _, s, _ in final["refused"]] == ["failed", "failed", "gave_up"]
    assert [s for _, s, _ in final["hang"]] == ["failed", "failed", "gave_up"]
    assert all(error == "Timed out" for _, _, error in final["hang"])
    assert max(receivers.acknowledged.values()) == 1, "no receiver acknowledged the same delivery id twice"
    ids = {d for _, d, _ in receivers.posts}
    assert len(ids) == 1  # every attempt of one event carries the event's delivery id
    first_post = min(t for _, _, t in receivers.posts)  # the worker began delivering
    held_up = min(t for p, _, t in receivers.posts if p == "/ok") - first_post
    assert held_up < TIMEOUT + 1, "the hanging receiver held up the healthy one for more than its timeout"
    record(
        Row(
            6,
            "Webhook receivers refuse, answer 500, or hang 60 s",
            f"4 webhooks on one event: refused, 500 ×2 then 200, hanging, healthy; timeout {TIMEOUT:.0f} s, "
            f"{ATTEMPTS} attempts",
            f"{sum(len(v) for v in final.values())} attempts",
            lost=0 if [s for _, s, _ in final["flaky"]][-1] == "succeeded" else 1,
            duplicated=sum(n - 1 for n in receivers.acknowledged.values()),
            recovery=f"flaky one delivered on its 3rd attempt; healthy one held up {held_up:.1f} s; "
            f"all settled in {settled_in:.1f} s",
            backend=BACKEND_LABEL[backend],
        )
    )
