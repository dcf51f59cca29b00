"""Two people raising invoices at the same moment, in real threads with their own database
connections (run on SQLite and, via scripts/with-postgres.sh, on PostgreSQL)."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from invoicing import services
from invoicing.models import Invoice, NumberSequence
from sponsors.models import Stage

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(jobs):
    """Start every job at once (a barrier), each on its own connection; return results or errors."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(i, job):
        try:
            barrier.wait(timeout=10)
            results[i] = job()
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_simultaneous_invoices_get_consecutive_numbers_without_gaps_or_repeats(make_pledge):
    pledges = [make_pledge(name=f"Council {i}") for i in range(6)]
    results = run_together([lambda p=p: services.raise_invoice(p.pk, po=f"PO-{p.pk}").number for p in pledges])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == [f"INV-{n:04d}" for n in range(1, 7)]
    assert NumberSequence.objects.get(prefix="INV-").last_number == 6


def test_two_people_raising_an_invoice_for_one_pledge_get_one_invoice(pledge):
    results = run_together(
        [lambda: services.raise_invoice(pledge.pk, po="PO-A"), lambda: services.raise_invoice(pledge.pk, po="PO-B")]
    )
    invoices = [r for r in results if isinstance(r, Invoice)]
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(invoices) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], ValidationError), repr(errors[0])
    assert f"already has invoice {invoices[0].number}" in errors[0].messages[0]
    assert Invoice.objects.filter(pledge=pledge).count() == 1
    assert NumberSequence.objects.get(prefix="INV-").last_number == 1  # the refusal used no number
    pledge.refresh_from_db()
    assert pledge.stage == Stage.INVOICED
    assert pledge.stage_changes.filter(to_stage=Stage.INVOICED).count() == 1


def test_simultaneous_payments_cannot_overpay(pledge):
    invoice = services.raise_invoice(pledge)
    results = run_together([lambda: services.record_payment(invoice, amount=Decimal("2000")) for _ in range(2)])
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and "more than the £500.00 still owed" in errors[0].messages[0], results
    assert Invoice.objects.with_balance().get(pk=invoice.pk).balance == Decimal("500")


def test_the_database_is_the_one_configured(db):
    """Say which backend the threads above ran on (SQLite here; PostgreSQL via with-postgres.sh)."""
    assert connection.vendor in ("sqlite", "postgresql")
