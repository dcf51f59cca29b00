"""Money owed by age band: the figures the pipeline dashboard's panel shows.

money_owed sums payments and credit notes per invoice before joining them; these tests pin the
figures where a rewritten query could count a payment twice or put an invoice in the wrong band.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Event
from invoicing import selectors, services
from invoicing.models import Invoice

pytestmark = pytest.mark.django_db


def ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.mark.clock
def test_two_payments_and_a_credit_note_are_each_taken_off_once(make_pledge):
    invoice = services.raise_invoice(make_pledge(amount=Decimal("2500")), issue_date=ago(45))
    services.record_payment(invoice, amount="300", date=ago(40))
    services.record_payment(invoice, amount="200.50", date=ago(20))
    services.issue_credit_note(invoice, amount="499.50", reason="Stand downsized", issue_date=ago(10))

    owed = selectors.money_owed()

    assert owed["total"] == Decimal("1500.00")
    assert [(b["label"], b["amount"], b["count"]) for b in owed["bands"]] == [
        ("0–30 days", Decimal("0.00"), 0),
        ("31–60 days", Decimal("1500.00"), 1),
        ("61–90 days", Decimal("0.00"), 0),
        ("Over 90 days", Decimal("0.00"), 0),
    ]
    assert owed["overdue"] == (Decimal("1500.00") if invoice.due_date < timezone.localdate() else Decimal("0.00"))


def test_band_edges_settled_invoices_and_the_event_filter(make_pledge, event):
    """30 days old is in the first band and 31 in the second; 90 in the third and 91 in the last;
    paid and fully credited invoices owe nothing; another event's invoice is left out when filtered."""
    for days in (30, 31, 90, 91):
        services.raise_invoice(make_pledge(amount=Decimal("1000")), issue_date=ago(days))
    paid = services.raise_invoice(make_pledge(amount=Decimal("700")), issue_date=ago(5))
    services.record_payment(paid, amount="400")
    services.record_payment(paid, amount="300")
    credited = services.raise_invoice(make_pledge(amount=Decimal("800")), issue_date=ago(5))
    services.issue_credit_note(credited, amount="800", reason="Event cancelled")
    other_event = Event.objects.create(name="Autumn meet-up", sponsorship_target=Decimal("5000"))
    other = services.raise_invoice(make_pledge(amount=Decimal("250")), issue_date=ago(2))
    other.pledge.event = other_event
    other.pledge.save(update_fields=["event"])

    everything = selectors.money_owed()
    assert [(b["amount"], b["count"]) for b in everything["bands"]] == [
        (Decimal("1250.00"), 2),
        (Decimal("1000.00"), 1),
        (Decimal("1000.00"), 1),
        (Decimal("1000.00"), 1),
    ]
    assert everything["total"] == Decimal("4250.00")

    launch = selectors.money_owed(event=event)
    assert [(b["amount"], b["count"]) for b in launch["bands"]] == [
        (Decimal("1000.00"), 1),
        (Decimal("1000.00"), 1),
        (Decimal("1000.00"), 1),
        (Decimal("1000.00"), 1),
    ]
    assert launch["total"] == Decimal("4000.00")
    assert selectors.money_owed(event=other_event)["total"] == Decimal("250.00")


@pytest.mark.clock
def test_the_figures_agree_with_each_invoices_own_balance(make_pledge):
    """Whatever the mix of payments and credit notes, the bands add up what the invoice pages show."""
    for i in range(12):
        invoice = services.raise_invoice(make_pledge(amount=Decimal("1000") + i), issue_date=ago(17 * i))
        for _ in range(i % 3):
            services.record_payment(invoice, amount="123.45")
        if i % 4 == 1:
            services.issue_credit_note(invoice, amount="99.99", reason="Goodwill")
        if i % 5 == 4:
            services.record_payment(
                invoice, amount=str(selectors.invoice_detail(invoice.number).balance.quantize(Decimal("0.01")))
            )

    today = timezone.localdate()
    owing = [inv for inv in Invoice.objects.with_balance() if inv.balance > 0]
    owed = selectors.money_owed(today=today)
    assert owed["total"] == sum(inv.balance for inv in owing)
    assert owed["overdue"] == sum((inv.balance for inv in owing if inv.due_date < today), Decimal("0"))
    assert sum(b["count"] for b in owed["bands"]) == len(owing) == 10
    for band, (_, low, high) in zip(owed["bands"], selectors.AGE_BANDS):
        inside = [
            inv
            for inv in owing
            if (today - inv.issue_date).days >= low and (high is None or (today - inv.issue_date).days <= high)
        ]
        assert (band["amount"], band["count"]) == (sum((i.balance for i in inside), Decimal("0")), len(inside))


def test_an_invoice_settled_in_odd_pence_owes_nothing_on_either_database(make_pledge, client, committee):
    """1009 - 909.01 - 99.99 is 1e-13 in floating point (SQLite's sums): still paid, owing nothing."""
    from django.urls import reverse

    invoice = services.raise_invoice(make_pledge(amount=Decimal("1009")), issue_date=ago(40))
    services.issue_credit_note(invoice, amount="99.99", reason="Goodwill")
    services.record_payment(invoice, amount="909.01")

    assert selectors.money_owed()["total"] == Decimal("0.00")
    assert selectors.invoice_detail(invoice.number).status == Invoice.Status.PAID
    client.force_login(committee)
    paid = client.get(reverse("invoicing:invoice_list"), {"status": "paid"}).content.decode()
    overdue = client.get(reverse("invoicing:invoice_list"), {"status": "overdue"}).content.decode()
    assert f">{invoice.number}<" in paid and f">{invoice.number}<" not in overdue


@pytest.mark.clock
def test_an_invoice_dated_in_the_future_is_in_the_total_but_in_no_band(make_pledge):
    """Grouped by band, an invoice no band takes must still count in the total and overdue."""
    today = timezone.localdate()
    future = services.raise_invoice(make_pledge(amount=Decimal("600")), issue_date=today + datetime.timedelta(days=3))
    services.record_payment(future, amount="100")
    services.raise_invoice(make_pledge(amount=Decimal("1000.10")), issue_date=ago(95))
    Invoice.objects.filter(pk=future.pk).update(due_date=today - datetime.timedelta(days=1))

    owed = selectors.money_owed(today=today)

    assert [(b["amount"], b["count"]) for b in owed["bands"]] == [
        (Decimal("0.00"), 0),
        (Decimal("0.00"), 0),
        (Decimal("0.00"), 0),
        (Decimal("1000.10"), 1),
    ]
    assert owed["total"] == Decimal("1500.10")
    overdue_old = Decimal("1000.10") if Invoice.objects.get(issue_date=ago(95)).due_date < today else Decimal("0")
    assert owed["overdue"] == Decimal("500.00") + overdue_old


def test_nothing_owed_gives_zero_bands(db):
    owed = selectors.money_owed()
    assert owed == {
        "bands": [{"label": label, "amount": Decimal("0.00"), "count": 0} for label, _, _ in selectors.AGE_BANDS],
        "total": Decimal("0.00"),
        "overdue": Decimal("0.00"),
    }
