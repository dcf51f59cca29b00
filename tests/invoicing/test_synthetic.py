"""generate_data adds invoices through invoicing's registered data step: one per pledge at
Invoiced or Paid, with payments and credit notes, reproducible, numbered so the app goes on."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from invoicing import selectors
from invoicing.models import CreditNote, Invoice, NumberSequence, Payment
from invoicing.services import raise_invoice
from sponsors.models import Pledge, Stage

pytestmark = pytest.mark.django_db


def figures():
    return list(
        Invoice.objects.order_by("number").values_list(
            "number", "billing_name", "gross_total", "po_number", "issue_date"
        )
    )


def test_generate_data_creates_invoices_payments_and_credit_notes(capsys, organiser):
    call_command("generate_data", scale="small", seed=3)
    out = capsys.readouterr().out
    assert "invoicing.Invoice" in out
    billed = Pledge.objects.filter(stage__in=[Stage.INVOICED, Stage.PAID])
    assert Invoice.objects.count() == billed.count() > 0
    assert set(Invoice.objects.values_list("pledge_id", flat=True)) == set(billed.values_list("pk", flat=True))
    today = timezone.localdate()
    statuses = {}
    for invoice in Invoice.objects.with_balance():
        status = invoice.status_for(invoice.balance, invoice.paid, invoice.credited, today)
        statuses[status] = statuses.get(status, 0) + 1
        assert invoice.balance >= 0 and invoice.net_total + invoice.vat_total == invoice.gross_total
        assert invoice.due_date == invoice.issue_date + datetime.timedelta(days=30)
        # A paid pledge's invoice is settled; an invoiced one still owes.
        assert (invoice.balance == 0) == (invoice.pledge.stage == Stage.PAID)
    assert (
        statuses.get("paid")
        and statuses.get("overdue")
        and statuses.get("part_paid", 0) + statuses.get("overdue", 0) > 0
    )
    assert Payment.objects.filter(invoice__pledge__stage=Stage.INVOICED).exists()  # part payments
    assert CreditNote.objects.exists()
    assert all(line for line in Invoice.objects.values_list("lines__description", flat=True))
    # The money-owed panel and the list read them.
    assert selectors.money_owed()["total"] > 0

    # Numbers run without gaps in issue-date order, and the next invoice raised gets the next one.
    numbers = list(Invoice.objects.order_by("issue_date", "pledge_id").values_list("number", flat=True))
    assert numbers == [f"INV-{i:04d}" for i in range(1, len(numbers) + 1)]
    assert NumberSequence.objects.get(prefix="INV-").last_number == len(numbers)
    confirmed = Pledge.objects.filter(stage=Stage.CONFIRMED).first()
    assert raise_invoice(confirmed, user=organiser).number == f"INV-{len(numbers) + 1:04d}"
    notes = CreditNote.objects.count()
    assert NumberSequence.objects.get(prefix="CN-").last_number == notes


def test_same_seed_same_invoices_and_clear_removes_them():
    call_command("generate_data", scale="small", seed=3, verbosity=0)
    first = figures()
    call_command("generate_data", scale="small", seed=3, clear=True, verbosity=0)
    assert figures() == first
    assert NumberSequence.objects.get(prefix="INV-").last_number == len(first)  # restarted, not carried on
    call_command("generate_data", scale="small", seed=4, clear=True, verbosity=0)
    assert figures() != first
