"""Invoices, credit notes and payments through the API: the invoicing services' rules, JSON
errors naming the fields, the pledge's stage moves and the "pledge paid" webhook."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import Webhook, WebhookDelivery
from invoicing.models import CreditNote, Invoice, Payment
from invoicing.services import raise_invoice, record_payment
from sponsors.models import PledgeStageChange
from sponsors.services import create_pledge
from tests.api.conftest import token_client
from tests.crm import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(organiser):
    org = factories.organisation(name="Acme Digital")
    factories.contact(org, first_name="Jo", last_name="Bloggs", email="jo@acme.example")
    return create_pledge(
        organisation=org, event=factories.event(), amount=Decimal("2500"), stage="confirmed", user=organiser
    )


def test_raising_an_invoice_goes_through_the_service(api_organiser, confirmed, organiser):
    response = api_organiser.post("/api/invoices/", {"pledge": confirmed.pk, "po_number": "PO-77"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "INV-0001" and body["po_number"] == "PO-77" and body["created_by"] == "org"
    assert body["gross_total"] == "2500.00" and body["balance"] == "2500.00" and body["status"] == "issued"
    assert body["organisation"] == confirmed.organisation_id and body["billing_email"] == "jo@acme.example"
    assert [line["unit_price"] for line in body["lines"]] == ["2500.00"]
    confirmed.refresh_from_db()
    assert confirmed.stage == "invoiced"
    change = PledgeStageChange.objects.filter(pledge=confirmed).order_by("-pk").first()
    assert (change.from_stage, change.to_stage, change.changed_by) == ("confirmed", "invoiced", organiser)
    assert api_organiser.get(f"/api/invoices/{body['id']}/").json()["number"] == "INV-0001"


def test_an_invoice_with_its_own_lines(api_organiser, confirmed):
    lines = [
        {"description": "Gold sponsorship", "quantity": "1", "unit_price": "2000"},
        {"description": "Extra tickets", "quantity": "4", "unit_price": "125.50"},
    ]
    body = api_organiser.post(
        "/api/invoices/", {"pledge": confirmed.pk, "lines": lines, "billing_contact": "Finance"}, format="json"
    ).json()
    assert body["net_total"] == "2502.00" and len(body["lines"]) == 2 and body["billing_contact"] == "Finance"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"po_number": "PO"}, "pledge"),
        ({"pledge": 999999}, "pledge"),
        ({"pledge": "abc"}, "pledge"),
        ({"pledge": "{pk}", "po_number": "PO\t1"}, "po_number"),
        ({"pledge": "{pk}", "lines": []}, "lines"),
        ({"pledge": "{pk}", "lines": [{"description": "", "quantity": "1", "unit_price": "1"}]}, "lines"),
        ({"pledge": "{pk}", "lines": [{"description": "x", "quantity": "0", "unit_price": "1"}]}, "lines"),
        ({"pledge": "{pk}", "vat_rate": "20"}, "vat_rate"),  # the network is not VAT-registered
        ({"pledge": "{pk}", "favourite_colour": "red"}, "favourite_colour"),
    ],
)
def test_bad_invoice_input_is_a_400_naming_the_field_and_saves_nothing(api_organiser, confirmed, data, field):
    data = {key: (confirmed.pk if value == "{pk}" else value) for key, value in data.items()}
    response = api_organiser.post("/api/invoices/", data, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Invoice.objects.exists()
    confirmed.refresh_from_db()
    assert confirmed.stage == "confirmed"


@pytest.mark.parametrize("stage", ["declined", "approached", "paid"])
def test_no_invoice_for_a_pledge_that_is_not_confirmed(api_organiser, organiser, stage):
    pledge = create_pledge(
        organisation=factories.organisation(),
        event=factories.event(),
        amount=Decimal("10"),
        stage=stage,
        user=organiser,
        lost_reason="No budget" if stage == "declined" else "",
    )
    response = api_organiser.post("/api/invoices/", {"pledge": pledge.pk}, format="json")
    assert response.status_code == 400 and "cannot be raised" in response.json()["non_field_errors"][0]
    assert not Invoice.objects.exists()


def test_a_second_invoice_for_the_same_pledge_is_refused(api_organiser, confirmed):
    assert api_organiser.post("/api/invoices/", {"pledge": confirmed.pk}, format="json").status_code == 201
    response = api_organiser.post("/api/invoices/", {"pledge": confirmed.pk}, format="json")
    assert response.status_code == 400 and "already has invoice INV-0001" in response.json()["non_field_errors"][0]
    assert Invoice.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_raises_give_one_invoice_and_one_4xx(organiser):
    pledge = create_pledge(
        organisation=factories.organisation(),
        event=factories.event(),
        amount=Decimal("500"),
        stage="confirmed",
        user=organiser,
    )
    # Signed in directly: the token's last-used stamp would contend for SQLite's in-memory test
    # database's table lock, which is not what this test is about.
    clients = [APIClient(), APIClient()]
    for client in clients:
        client.force_authenticate(user=organiser)
    barrier, codes = threading.Barrier(2), []

    def raise_one(client):
        try:
            barrier.wait(timeout=10)
            codes.append(client.post("/api/invoices/", {"pledge": pledge.pk}, format="json").status_code)
        except Exception as error:
            codes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=raise_one, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The loser is refused (400, "already has invoice") or, when SQLite refuses its read while the
    # winner's transaction is open, told to retry (409); either way one invoice, nothing half-written.
    assert min(codes, key=str) == 201 and sorted(codes, key=str)[1] in (400, 409), codes
    assert Invoice.objects.count() == 1 and Invoice.objects.get().number == "INV-0001"


def test_issued_invoices_are_never_edited_or_deleted(api_organiser, confirmed, organiser):
    invoice = raise_invoice(confirmed, user=organiser)
    for method in ("put", "patch", "delete"):
        response = getattr(api_organiser, method)(f"/api/invoices/{invoice.pk}/", {"po_number": "X"}, format="json")
        assert response.status_code == 405 and response.json()["detail"]
    invoice.refresh_from_db()
    assert invoice.po_number == "" and Invoice.objects.count() == 1


def test_a_full_payment_moves_the_pledge_to_paid_and_fires_the_webhook(
    api_organiser, confirmed, organiser, django_capture_on_commit_callbacks
):
    Webhook.objects.create(name="Wall", url="https://hooks.example.org/crm", events=["pledge.paid"], secret="s")
    invoice = raise_invoice(confirmed, user=organiser)
    with django_capture_on_commit_callbacks(execute=True):
        part = api_organiser.post(
            "/api/payments/", {"invoice": invoice.pk, "amount": "1000.00", "reference": "BACS 1"}, format="json"
        )
    assert part.status_code == 201, part.json()
    assert part.json()["invoice_number"] == "INV-0001" and part.json()["recorded_by"] == "org"
    assert api_organiser.get(f"/api/invoices/{invoice.pk}/").json()["status"] == "part_paid"
    assert not WebhookDelivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        rest = api_organiser.post("/api/payments/", {"invoice": invoice.pk, "amount": "1500"}, format="json")
    assert rest.status_code == 201 and rest.json()["method"] == "bank_transfer"
    confirmed.refresh_from_db()
    assert confirmed.stage == "paid"
    assert PledgeStageChange.objects.filter(pledge=confirmed, to_stage="paid", changed_by=organiser).exists()
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["pledge.paid"]
    body = api_organiser.get(f"/api/invoices/{invoice.pk}/").json()
    assert (body["paid"], body["balance"], body["status"]) == ("2500.00", "0.00", "paid")


@pytest.mark.parametrize(
    "data, field",
    [
        ({"amount": "2500.01"}, "amount"),  # more than the balance
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"amount": "10", "date": "2999-01-01"}, "date"),
        ({"amount": "10", "method": "bitcoin"}, "method"),
        ({"amount": "10", "reference": "a\nb"}, "reference"),
        ({"amount": "10", "tip": "1"}, "tip"),
    ],
)
def test_bad_payments_are_400_naming_the_field(api_organiser, confirmed, organiser, data, field):
    invoice = raise_invoice(confirmed, user=organiser)
    response = api_organiser.post("/api/payments/", {"invoice": invoice.pk, **data}, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Payment.objects.exists()
    assert api_organiser.post("/api/payments/", {"amount": "1"}, format="json").json()["invoice"]


def test_credit_notes_reduce_the_balance_and_never_beyond_it(api_organiser, confirmed, organiser):
    invoice = raise_invoice(confirmed, user=organiser)
    too_much = api_organiser.post(
        "/api/credit-notes/", {"invoice": invoice.pk, "amount": "3000", "reason": "Typo"}, format="json"
    )
    assert too_much.status_code == 400 and "amount" in too_much.json()
    no_reason = api_organiser.post(
        "/api/credit-notes/", {"invoice": invoice.pk, "amount": "10", "reason": " "}, format="json"
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert not CreditNote.objects.exists()
    note = api_organiser.post(
        "/api/credit-notes/", {"invoice": invoice.pk, "amount": "500", "reason": "Discount"}, format="json"
    )
    assert note.status_code == 201 and note.json()["number"] == "CN-0001"
    assert api_organiser.get(f"/api/invoices/{invoice.pk}/").json()["balance"] == "2000.00"
    assert api_organiser.get(f"/api/credit-notes/{note.json()['id']}/").json()["reason"] == "Discount"


@pytest.mark.parametrize("role", ["committee", "staff"])
def test_only_the_organiser_writes_money(request, role, confirmed, organiser):
    client = token_client(request.getfixturevalue(role))
    invoice = raise_invoice(confirmed, user=organiser)
    for url, data in (
        ("/api/invoices/", {"pledge": confirmed.pk}),
        ("/api/payments/", {"invoice": invoice.pk, "amount": "10"}),
        ("/api/credit-notes/", {"invoice": invoice.pk, "amount": "10", "reason": "x"}),
    ):
        assert client.post(url, data, format="json").status_code == 403
        assert client.get(url).status_code == 200
    assert not Payment.objects.exists() and not CreditNote.objects.exists()


def test_invoice_filters_ordering_and_updated_since(api_organiser, organiser):
    ev = factories.event()
    invoices = []
    for name, amount in (("Alpha", "100"), ("Beta", "300"), ("Gamma", "200")):
        pledge = create_pledge(
            organisation=factories.organisation(name=name),
            event=ev,
            amount=Decimal(amount),
            stage="confirmed",
            user=organiser,
        )
        invoices.append(raise_invoice(pledge, user=organiser, po=f"PO-{name}"))
    alpha, beta, gamma = invoices
    record_payment(beta, amount="300", user=organiser)
    get = lambda query: api_organiser.get("/api/invoices/", query).json()  # noqa: E731
    assert [r["number"] for r in get({"status": "paid"})["results"]] == [beta.number]
    assert get({"q": "PO-Gam"})["count"] == 1
    assert get({"organisation": alpha.pledge.organisation_id})["results"][0]["number"] == alpha.number
    assert [r["gross_total"] for r in get({"ordering": "-gross_total"})["results"]] == ["300.00", "200.00", "100.00"]
    assert api_organiser.get("/api/invoices/", {"status": "lost"}).status_code == 400
    assert "organisation" in api_organiser.get("/api/invoices/", {"organisation": 999999}).json()

    Invoice.objects.update(created_at=timezone.now() - datetime.timedelta(days=3))
    Payment.objects.update(created_at=timezone.now() - datetime.timedelta(days=3))
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert get({"updated_since": since})["count"] == 0
    record_payment(gamma, amount="50", user=organiser)  # a payment changes the invoice's balance and status
    assert [r["number"] for r in get({"updated_since": since})["results"]] == [gamma.number]
    assert [r["amount"] for r in api_organiser.get("/api/payments/", {"updated_since": since}).json()["results"]] == [
        "50.00"
    ]
    assert api_organiser.get("/api/payments/", {"invoice": beta.pk}).json()["count"] == 1
    assert "updated_since" in api_organiser.get("/api/invoices/", {"updated_since": "soon"}).json()


def _invoices(n, organiser):
    ev = factories.event()
    for i in range(n):
        pledge = create_pledge(
            organisation=factories.organisation(),
            event=ev,
            amount=Decimal("100") + i,
            stage="confirmed",
            user=organiser,
        )
        invoice = raise_invoice(pledge, user=organiser)
        record_payment(invoice, amount="10", user=organiser)


@pytest.mark.parametrize("resource", ["invoices", "payments", "credit-notes"])
def test_money_lists_cost_the_same_queries_at_two_sizes(
    api_organiser, organiser, django_assert_max_num_queries, resource
):
    _invoices(3, organiser)
    with django_assert_max_num_queries(8) as small:
        assert api_organiser.get(f"/api/{resource}/?page_size=100").status_code == 200
    _invoices(30, organiser)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = api_organiser.get(f"/api/{resource}/?page_size=100").json()
    assert body["count"] == (33 if resource != "credit-notes" else 0)


def test_a_write_refused_by_a_database_lock_is_a_409_to_retry_not_a_500():
    from django.db import OperationalError

    from api.exceptions import exception_handler

    response = exception_handler(OperationalError("database table is locked: sponsors_pledge"), {})
    assert response.status_code == 409 and response["Retry-After"] == "1"
    assert "try again" in response.data["detail"]
    assert exception_handler(OperationalError("no such table: x"), {}) is None  # other faults stay faults
