"""Synthetic invoices for `generate_data` (a crm.registry DataStep, so demodata never imports
this app): one invoice per pledge the generated pipeline has at Invoiced or Paid — an invoice
is unique per pledge, so the pledges decide how many (about 16% of them: 8,000 at large).

Invoiced pledges owe money: most unpaid (overdue once their due date passes), some part paid,
a few with a credit note. Paid pledges' invoices are paid in full, some in two instalments.
Numbers follow issue dates and the number sequences end at the last number used, so the next
invoice raised in the app gets the next number. Same seed, same invoices.
"""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from invoicing.models import CENT, CreditNote, Invoice, InvoiceLine, NumberSequence, Payment
from sponsors.models import Pledge, PledgeStageChange, Stage

BATCH = 2000
#: Kept by --clear: the organiser's own details and wording.
KEPT = {"invoicing.networkdetails", "invoicing.historicalnetworkdetails"}
METHODS = [Payment.Method.BANK_TRANSFER] * 8 + [Payment.Method.CARD, Payment.Method.CHEQUE]
CREDIT_REASONS = [
    "Logo not shown on the programme",
    "Stand downsized at the sponsor's request",
    "Two tickets returned",
    "Goodwill discount agreed by the committee",
]


def clear() -> None:
    """Delete the generated invoicing rows (raw deletes: no history row per deleted record)."""
    with transaction.atomic():
        for model in apps.get_app_config("invoicing").get_models(include_auto_created=True):
            if model._meta.label_lower not in KEPT:
                model._base_manager.all()._raw_delete(model._base_manager.db)


def _first_contacts(org_ids) -> dict[int, tuple[str, str]]:
    """Each organisation's first contact with an email address: (name, email), one query."""
    from crm.models import Contact

    found = {}
    rows = (
        Contact.objects.filter(organisation_id__in=org_ids)
        .exclude(email="")
        .order_by("id")
        .values_list("organisation_id", "first_name", "last_name", "email")
    )
    for org_id, first, last, email in rows.iterator(chunk_size=5000):
        found.setdefault(org_id, (" ".join(p for p in (first, last) if p), email))
    return found


def run(scale: str = "small", seed: int = 0, log=None) -> dict:
    """Create the invoices, lines, payments and credit notes; returns the counts."""
    from invoicing.services import network_details

    log = log or (lambda message: None)
    started = time.perf_counter()
    rng = random.Random(f"invoicing-{seed}")
    today = timezone.localdate()
    details = network_details()
    vat_rate = details.default_vat_rate if details.vat_registered else Decimal("0")
    pledges = list(
        Pledge.objects.filter(stage__in=[Stage.INVOICED, Stage.PAID], invoices__isnull=True)
        .order_by("pk")
        .values(
            "pk",
            "organisation_id",
            "organisation__name",
            "organisation__city",
            "event__name",
            "event__date",
            "tier__name",
            "amount",
            "stage",
            "stage_changed_at",
        )
    )
    invoiced_at = dict(
        PledgeStageChange.objects.filter(to_stage=Stage.INVOICED, pledge__stage__in=[Stage.INVOICED, Stage.PAID])
        .values("pledge_id")
        .annotate(at=Min("changed_at"))
        .values_list("pledge_id", "at")
    )
    contacts = _first_contacts({p["organisation_id"] for p in pledges})

    plans = []
    for p in pledges:
        at = invoiced_at.get(p["pk"]) or p["stage_changed_at"]
        issued = timezone.localdate(at) if timezone.is_aware(at) else at.date()
        plans.append((issued, p))
    plans.sort(key=lambda item: (item[0], item[1]["pk"]))

    with transaction.atomic():
        sequence, _ = NumberSequence.objects.select_for_update().get_or_create(prefix=details.invoice_prefix)
        cn_sequence, _ = NumberSequence.objects.select_for_update().get_or_create(prefix=details.credit_note_prefix)
        invoices, lines, later = [], [], []
        number = sequence.last_number
        for issued, p in plans:
            number += 1
            net = p["amount"].quantize(CENT)
            gross = (net * (1 + vat_rate / 100)).quantize(CENT)
            name, email = contacts.get(p["organisation_id"], ("", ""))
            event_date = f" ({p['event__date']:%d %B %Y})" if p["event__date"] else ""
            what = f"{p['tier__name']} sponsorship" if p["tier__name"] else "Sponsorship"
            invoice = Invoice(
                number=f"{details.invoice_prefix}{number:04d}",
                pledge_id=p["pk"],
                po_number=f"PO-{rng.randrange(10_000, 99_999)}" if rng.random() < 0.6 else "",
                issue_date=issued,
                due_date=issued + datetime.timedelta(days=details.payment_terms_days),
                billing_name=p["organisation__name"],
                billing_contact=name,
                billing_email=email,
                billing_address=p["organisation__city"] or "",
                vat_registered=details.vat_registered,
                vat_number=details.vat_number if details.vat_registered else "",
                vat_rate=vat_rate,
                net_total=net,
                vat_total=gross - net,
                gross_total=gross,
            )
            invoices.append(invoice)
            lines.append(f"{what}: {p['event__name']}{event_date}")
            later.append(p)
        Invoice.objects.bulk_create(invoices, batch_size=BATCH)
        if not all(i.pk for i in invoices):  # backends that return no ids from bulk inserts
            ids = dict(Invoice.objects.filter(number__in=[i.number for i in invoices]).values_list("number", "pk"))
            for invoice in invoices:
                invoice.pk = ids[invoice.number]
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    invoice_id=inv.pk, position=0, description=text, quantity=Decimal("1"), unit_price=inv.net_total
                )
                for inv, text in zip(invoices, lines)
            ],
            batch_size=BATCH,
        )

        payments, credits = [], []
        cn_number = cn_sequence.last_number
        # At small scales chance may give no credit note: the first unpaid invoice always gets one.
        credit_first = next((inv.pk for inv, p in zip(invoices, later) if p["stage"] == Stage.INVOICED), None)
        for inv, p in zip(invoices, later):
            paid_on = timezone.localdate(p["stage_changed_at"]) if p["stage"] == Stage.PAID else None
            if paid_on is not None:
                paid_on = max(paid_on, inv.issue_date)
                if rng.random() < 0.2:  # two instalments
                    first = (inv.gross_total / 2).quantize(CENT)
                    mid = inv.issue_date + (paid_on - inv.issue_date) / 2
                    payments.append(_payment(inv, mid, first, rng))
                    payments.append(_payment(inv, paid_on, inv.gross_total - first, rng))
                else:
                    payments.append(_payment(inv, paid_on, inv.gross_total, rng))
                continue
            roll = rng.random()
            if (inv.pk == credit_first or 0.25 <= roll < 0.29) and inv.gross_total >= Decimal("100"):
                cn_number += 1  # a credit note for a tenth
                credits.append(
                    CreditNote(
                        number=f"{details.credit_note_prefix}{cn_number:04d}",
                        invoice_id=inv.pk,
                        issue_date=min(today, inv.issue_date + datetime.timedelta(days=rng.randint(3, 20))),
                        amount=(inv.gross_total * Decimal("0.1")).quantize(CENT),
                        reason=rng.choice(CREDIT_REASONS),
                    )
                )
            elif roll < 0.25:  # part paid
                share = Decimal(rng.choice([25, 40, 50, 60])) / 100
                on = min(today, inv.issue_date + datetime.timedelta(days=rng.randint(5, 40)))
                payments.append(_payment(inv, on, (inv.gross_total * share).quantize(CENT), rng))
        Payment.objects.bulk_create(payments, batch_size=BATCH)
        CreditNote.objects.bulk_create(credits, batch_size=BATCH)
        NumberSequence.objects.filter(pk=sequence.pk).update(last_number=number)
        NumberSequence.objects.filter(pk=cn_sequence.pk).update(last_number=cn_number)

    counts = {
        "invoicing.Invoice": len(invoices),
        "invoicing.Payment": len(payments),
        "invoicing.CreditNote": len(credits),
    }
    log(
        f"  {'invoices':<14} {time.perf_counter() - started:6.1f} s  "
        + ", ".join(f"{n:,} {label.split('.')[1]}" for label, n in counts.items())
    )
    return counts


def _payment(invoice, on, amount, rng) -> Payment:
    return Payment(
        invoice_id=invoice.pk,
        date=on,
        amount=amount,
        method=rng.choice(METHODS),
        reference=f"BACS {rng.randrange(100_000, 999_999)}",
    )
