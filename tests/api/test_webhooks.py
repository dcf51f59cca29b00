"""Webhooks: events from the models' signals, signed deliveries received by a real HTTP
server, retries with backoff through the django-tasks database worker, refused targets."""

import datetime
import http.server
import json
import re
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from api.forms import WebhookForm
from api.models import Webhook, WebhookDelivery
from api.services import backoff_seconds, check_target, save_webhook
from crm.services.interactions import log_interaction
from sponsors.services import create_pledge, move_pledge
from tests.crm import factories


def _documented_verify():
    """The receiver's check exactly as docs/api.md shows it (so the example is proven to work)."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.DOTALL) if "def verify" in b)
    namespace = {}
    exec(compile(block, "docs/api.md", "exec"), namespace)
    return namespace["verify"]


verify = _documented_verify()


class Receiver(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(
            {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        )
        if self.path == "/hang":
            time.sleep(1.5)
        status = 500 if self.path == "/fail" else 200
        try:
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    """A real HTTP server on 127.0.0.1, loopback targets allowed for this test only."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    Receiver.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Receiver.received
    server.shutdown()
    server.server_close()


def run_worker():
    """The django-tasks-db worker's own loop, in this process, until no task is ready."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def hook(url, events, **fields):
    return save_webhook(Webhook(name=fields.pop("name", "Sponsor wall"), url=url, events=events, **fields))


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/x",
        "http:///nohost",
        "http://127.0.0.1:8000/",
        "http://localhost/",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
    ],
)
def test_private_and_non_http_targets_are_refused(url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError) as error:
        check_target(url)
    assert "url" in error.value.message_dict


def test_public_targets_pass_and_the_setting_allows_private_ones(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    check_target("https://93.184.216.34/hook")
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    check_target("http://127.0.0.1:9/hook")


@pytest.mark.django_db(transaction=True)
def test_a_pledge_paid_is_delivered_signed_by_the_database_worker(receiver, organiser):
    base, received = receiver
    webhook = hook(f"{base}/ok", ["pledge.stage_changed", "pledge.paid"])
    hook(f"{base}/ok", ["contact.created"], name="Not listening to pledges")
    pledge = create_pledge(
        organisation=factories.organisation(name="Acme"),
        event=factories.event(),
        amount=Decimal("2500"),
        stage="invoiced",
        user=organiser,
    )
    assert not WebhookDelivery.objects.exists()  # the first stage is not a change
    move_pledge(pledge, "paid", user=organiser)
    assert DBTaskResult.objects.count() == 2 and not received  # queued, not sent in the request

    run_worker()

    assert sorted(r["headers"]["x-crm-event"] for r in received) == ["pledge.paid", "pledge.stage_changed"]
    for request in received:
        assert verify(webhook.secret, request["headers"]["x-crm-signature"], request["body"])
        assert not verify("another secret", request["headers"]["x-crm-signature"], request["body"])
        payload = json.loads(request["body"])
        assert payload["data"]["pledge"]["id"] == pledge.pk and payload["data"]["pledge"]["amount"] == "2500.00"
        assert payload["data"]["change"] == {
            **payload["data"]["change"],
            "from_stage": "invoiced",
            "to_stage": "paid",
            "changed_by": "org",
        }
        assert request["headers"]["x-crm-delivery"] == payload["id"]
    deliveries = WebhookDelivery.objects.filter(webhook=webhook)
    assert {(d.status, d.response_code, d.attempt) for d in deliveries} == {("succeeded", 200, 1)}
    assert all(d.duration_ms is not None and d.attempted_at for d in deliveries)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}

    create_pledge(
        organisation=factories.organisation(),
        event=factories.event(),
        amount=Decimal("10"),
        stage="paid",
        user=organiser,
    )  # created as paid: pledge.paid, but no stage change
    assert list(WebhookDelivery.objects.filter(status="pending").values_list("event", flat=True)) == ["pledge.paid"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path, error", [("/fail", "HTTP 500"), ("/hang", "Timed out")])
def test_a_failing_target_is_logged_and_retried_with_backoff(receiver, organiser, settings, path, error):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    base, received = receiver
    webhook = hook(f"{base}{path}", ["contact.created"])
    factories.contact(first_name="Ann")
    run_worker()

    first = WebhookDelivery.objects.get(webhook=webhook, attempt=1)
    assert first.status == "failed" and error in first.error
    assert first.response_code == (500 if path == "/fail" else None)
    retry = WebhookDelivery.objects.get(webhook=webhook, attempt=2)
    assert retry.status == "pending" and retry.event_id == first.event_id
    waiting = DBTaskResult.objects.get(status="READY")
    assert waiting.run_after >= timezone.now() + datetime.timedelta(seconds=backoff_seconds(1) - 5)

    run_worker()  # not yet due: the worker leaves it
    assert WebhookDelivery.objects.get(pk=retry.pk).status == "pending"

    DBTaskResult.objects.filter(pk=waiting.pk).update(run_after=timezone.now() - datetime.timedelta(seconds=1))
    run_worker()
    retry.refresh_from_db()
    assert retry.status == "gave_up" and error in retry.error  # the last attempt: no more retries
    assert WebhookDelivery.objects.filter(webhook=webhook).count() == 2
    assert len(received) == 2


@pytest.mark.django_db(transaction=True)
def test_contact_and_interaction_events_fire_after_commit_only(receiver, staff):
    base, received = receiver
    webhook = hook(f"{base}/ok", ["contact.created", "contact.changed", "interaction.logged"])
    person = factories.contact(first_name="Ann")
    person.job_title = "Director"
    person.save()
    log_interaction(user=staff, contact=person, kind="call", occurred_at=timezone.now(), summary="Hello")
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.contact(first_name="Rolled", last_name="Back")
        raise RuntimeError
    assert list(WebhookDelivery.objects.filter(webhook=webhook).order_by("id").values_list("event", flat=True)) == [
        "contact.created",
        "contact.changed",
        "interaction.logged",
    ]
    run_worker()
    bodies = [json.loads(r["body"]) for r in received]
    assert [b["event"] for b in bodies] == ["contact.created", "contact.changed", "interaction.logged"]
    assert bodies[1]["data"]["job_title"] == "Director" and bodies[2]["data"]["summary"] == "Hello"


@pytest.mark.django_db(transaction=True)
def test_inactive_webhooks_get_nothing(receiver):
    base, received = receiver
    hook(f"{base}/ok", ["contact.created"], active=False)
    factories.contact()
    run_worker()
    assert not WebhookDelivery.objects.exists() and not received


@pytest.mark.django_db(transaction=True)
def test_a_redirect_is_not_followed(receiver, settings):
    _base, _received = receiver

    class Redirect(Receiver):
        def do_POST(self):
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/")
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        webhook = hook(f"http://127.0.0.1:{server.server_address[1]}/", ["contact.created"])
        settings.WEBHOOK_MAX_ATTEMPTS = 1
        factories.contact()
        run_worker()
    finally:
        server.shutdown()
        server.server_close()
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert delivery.status == "gave_up" and delivery.response_code == 302 and "not followed" in delivery.error


def test_the_organiser_manages_webhooks_and_sends_a_test(
    client, organiser, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    client.force_login(organiser)
    response = client.post(
        reverse("api:webhook_create"),
        {
            "name": "Intranet",
            "url": "http://10.0.0.5/hook",
            "events": ["pledge.paid"],
            "active": "on",
        },
    )
    assert response.status_code == 200 and "private, loopback or link-local" in response.content.decode()
    response = client.post(reverse("api:webhook_create"), {"name": "No events", "url": "https://93.184.216.34/"})
    assert "This field is required" in response.content.decode()
    assert not Webhook.objects.exists()

    response = client.post(
        reverse("api:webhook_create"),
        {
            "name": "Sponsor wall",
            "url": "https://93.184.216.34/hook",
            "events": ["pledge.paid", "contact.created"],
            "active": "on",
        },
    )
    webhook = Webhook.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("api:webhook_detail", args=[webhook.pk])
    assert len(webhook.secret) == 64 and webhook.created_by == organiser

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api:webhook_test", args=[webhook.pk]), follow=True)
    html = response.content.decode()
    assert "test delivery is queued" in html and "webhook.test" in html and webhook.secret in html
    assert DBTaskResult.objects.count() == 1

    listing = client.get(reverse("api:webhook_list")).content.decode()
    assert "Sponsor wall" in listing and "Pledge paid, Contact created" in listing
    response = client.post(
        reverse("api:webhook_update", args=[webhook.pk]),
        {
            "name": "Sponsor wall",
            "url": "https://93.184.216.34/v2",
            "events": ["pledge.paid"],
        },
    )
    webhook.refresh_from_db()
    assert webhook.url.endswith("/v2") and not webhook.active and webhook.events == ["pledge.paid"]
    client.post(reverse("api:webhook_delete", args=[webhook.pk]))
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()


def test_the_documented_check_refuses_tampered_bodies_and_old_timestamps():
    from api.services import sign

    body = b'{"event":"pledge.paid"}'
    now = int(time.time())
    assert verify("s3cret", sign("s3cret", now, body), body)
    assert not verify("s3cret", sign("s3cret", now, body), body + b" ")
    assert not verify("s3cret", sign("s3cret", now - 3600, body), body)


def test_the_delivery_connects_to_the_address_that_was_checked(db, settings, monkeypatch):
    """No second DNS answer (a rebinding to 127.0.0.1) is used: the connection goes to the checked address."""
    import socket

    from api import services

    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    answers = iter([["93.184.216.34"], ["93.184.216.35"], ["127.0.0.1"]])
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, **kw: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in next(answers)
        ],
    )
    connected = []

    def fake_connect(address, timeout=None, *args):
        connected.append(address)
        raise ConnectionRefusedError("refused")

    monkeypatch.setattr(socket, "create_connection", fake_connect)
    webhook = save_webhook(Webhook(name="Wall", url="https://hooks.example.org/crm", events=["contact.created"]))
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, event="contact.created", event_id="5f0c0000-0000-0000-0000-000000000000", payload={}
    )
    services.attempt_delivery(delivery.pk)
    assert connected == [("93.184.216.35", 443)]
    delivery.refresh_from_db()
    assert delivery.status == "gave_up" and "refused" in delivery.error


def test_an_event_another_app_registers_reaches_the_webhooks_that_chose_it(
    receiver, organiser, django_capture_on_commit_callbacks
):
    from crm import registry

    registry.register_event_type("test.happened", "Test happened")
    try:
        base, _ = receiver
        listening = hook(f"{base}/ok", ["test.happened"])
        hook(f"{base}/ok", ["contact.created"])
        assert ("test.happened", "Test happened") in WebhookForm().fields["events"].choices
        with django_capture_on_commit_callbacks(execute=True):
            registry.publish_event("test.happened", lambda: {"what": "it"})
        delivery = WebhookDelivery.objects.get()
        assert (delivery.webhook, delivery.event, delivery.payload["data"]) == (
            listening,
            "test.happened",
            {"what": "it"},
        )
        with pytest.raises(KeyError, match="unknown event"):
            registry.publish_event("test.never_registered", dict)
    finally:
        registry._event_types.pop("test.happened")
