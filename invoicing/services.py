"""Writes for invoicing. Each function does the whole job in one transaction: checks,
numbering, the rows, and the pledge's stage move (through sponsors.services.move_pledge,
so the stage history is recorded exactly as the board records it). The web pages, the
admin and the raise_invoice command all call these; nothing else writes invoices."""

from __future__ import annotations

import datetime
import functools
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from invoicing.models import (
    CENT,
    CreditNote,
    Invoice,
    InvoiceLine,
    NetworkDetails,
    NumberSequence,
    Payment,
    validate_no_control_characters,
)
from sponsors.models import Pledge, Stage
from sponsors.services import move_pledge

#: Stages an invoice may be raised from: confirmed in writing (or moved to invoiced by hand).
INVOICEABLE_STAGES = (Stage.CONFIRMED, Stage.INVOICED)
MAX_MONEY = Decimal("9999999999.99")


def retry_when_sqlite_is_locked(fn):
    """Run a whole write transaction again when SQLite says a table is locked.

    PostgreSQL queues the second writer on the row lock. SQLite's IMMEDIATE transactions
    wait on the busy timeout for a file database, but a shared-cache database (the test
    suite's in-memory one) reports "table is locked" at once instead: the transaction has
    written nothing yet, so it is safe to start it again. Only the outermost call retries.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for attempt in range(60):
            try:
                return fn(*args, **kwargs)
            except OperationalError as error:
                if connection.vendor != "sqlite" or "locked" not in str(error) or connection.in_atomic_block:
                    raise
                time.sleep(min(0.01 * (attempt + 1), 0.1))
        return fn(*args, **kwargs)

    return wrapper


def network_details() -> NetworkDetails:
    """The single NetworkDetails row, or its defaults (unsaved) until the organiser saves it:
    reading never writes."""
    return NetworkDetails.objects.filter(pk=1).first() or NetworkDetails(pk=1)


@transaction.atomic
def save_network_details(details: NetworkDetails, *, user=None) -> NetworkDetails:
    details.pk = 1
    details.full_clean()
    details.save()
    return details


def next_number(prefix: str, model=None) -> str:
    """The next number for `prefix` (INV-0001, INV-0002 …), no gaps and no repeats.

    Must run inside the transaction that saves the numbered document: the counter row stays
    locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions hold the
    write lock) until that document is committed, and rolls back with it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must be called inside transaction.atomic().")
    try:
        with transaction.atomic():
            NumberSequence.objects.get_or_create(prefix=prefix)
    except IntegrityError:
        pass  # another transaction created the row first; lock it below
    seq = NumberSequence.objects.select_for_update().get(prefix=prefix)
    seq.last_number += 1
    seq.save(update_fields=["last_number"])
    number = f"{prefix}{seq.last_number:04d}"
    if model is not None and model.objects.filter(number=number).exists():
        # Two prefixes can spell the same number (INV-1 + 0001 and INV- + 10001).
        raise ValidationError(f"The number {number} is already taken: choose another prefix in the network details.")
    return number


def parse_money(value, field: str, *, label: str = "amount") -> Decimal:
    """A positive amount in pounds and pence, or a ValidationError naming `field`."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "").lstrip("£"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"Enter the {label} as a number of pounds, e.g. 1250.00."}) from None
    if not amount.is_finite():
        raise ValidationError({field: f"Enter the {label} as a number of pounds, e.g. 1250.00."})
    if amount <= 0:
        raise ValidationError({field: f"The {label} must be more than £0."})
    if amount != amount.quantize(CENT) or amount > MAX_MONEY:
        raise ValidationError({field: f"Enter the {label} in pounds and pence (at most two decimal places)."})
    return amount


@dataclass
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal


def totals(lines, vat_rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(net, VAT, gross) rounded once, at the totals: net + VAT == gross to the penny."""
    exact_net = sum((line.quantity * line.unit_price for line in lines), Decimal("0"))
    net = exact_net.quantize(CENT)
    gross = (exact_net * (1 + vat_rate / 100)).quantize(CENT)
    return net, gross - net, gross


def default_lines(pledge: Pledge) -> list[Line]:
    """One line for the sponsorship: the tier's name when there is one."""
    what = f"{pledge.tier.name} sponsorship" if pledge.tier_id and pledge.tier else "Sponsorship"
    event = pledge.event
    when = f" ({event.date:%d %B %Y})" if event.date else ""
    return [Line(f"{what}: {event.name}{when}", Decimal("1"), pledge.amount)]


def default_billing(pledge: Pledge) -> dict:
    """The organisation's first contact with an email, for the billing snapshot."""
    contact = (
        pledge.organisation.contacts.exclude(email__isnull=True).exclude(email="").order_by("id").first()
        or pledge.organisation.contacts.order_by("id").first()
    )
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p) if contact else ""
    return {
        "billing_contact": name,
        "billing_email": (contact.email or "") if contact else "",
        "billing_address": pledge.organisation.city or "",
    }


def _clean_po(po: str | None) -> str:
    po = po or ""
    try:
        validate_no_control_characters(po)
    except ValidationError as error:
        raise ValidationError(
            {
                "po_number": "The PO number has control characters (tabs, line breaks and the "
                "like): type it again without them."
            }
        ) from error
    po = po.strip()
    if len(po) > 60:
        raise ValidationError({"po_number": f"The PO number is {len(po)} characters long; the limit is 60."})
    return po


@retry_when_sqlite_is_locked
@transaction.atomic
def raise_invoice(
    pledge: Pledge | int,
    *,
    po: str | None = "",
    user=None,
    lines=None,
    vat_rate=None,
    issue_date: datetime.date | None = None,
    billing: dict | None = None,
    notes: str = "",
) -> Invoice:
    """Raise the invoice for a confirmed pledge and move the pledge to Invoiced.

    The pledge row is locked first, so when two people raise an invoice for the same pledge
    at the same moment the second waits, then finds the first's invoice and is refused.
    """
    po_number = _clean_po(po)
    pk = pledge.pk if isinstance(pledge, Pledge) else pledge
    try:
        pledge = (
            Pledge.objects.select_for_update(of=("self",)).select_related("organisation", "event", "tier").get(pk=pk)
        )
    except (Pledge.DoesNotExist, ValueError, TypeError):
        raise ValidationError(f"There is no pledge {pk}.") from None
    existing = Invoice.objects.filter(pledge=pledge).values_list("number", flat=True).first()
    if existing:
        raise ValidationError(f"This pledge already has invoice {existing}; a correction is a credit note against it.")
    if pledge.stage not in INVOICEABLE_STAGES:
        if pledge.stage in (Stage.DECLINED, Stage.WITHDRAWN):
            reason = f"it was {pledge.get_stage_display().lower()}"
        elif pledge.stage == Stage.PAID:
            reason = "it is already paid"
        else:
            reason = f"it is at “{pledge.get_stage_display()}”: confirm it in writing first"
        raise ValidationError(f"An invoice cannot be raised for this pledge: {reason}.")

    details = network_details()
    lines = list(lines) if lines else default_lines(pledge)
    if len(lines) > 20:
        raise ValidationError("An invoice has at most 20 lines.")
    for line in lines:
        if not (line.description or "").strip():
            raise ValidationError("Each invoice line needs a description.")
        if line.quantity <= 0 or line.unit_price < 0:
            raise ValidationError("Each invoice line needs a quantity above 0 and a price of £0 or more.")
    if vat_rate is None:
        vat_rate = details.default_vat_rate if details.vat_registered else Decimal("0")
    vat_rate = Decimal(vat_rate)
    if not details.vat_registered and vat_rate != 0:
        raise ValidationError({"vat_rate": "The network is not registered for VAT, so it cannot charge VAT."})
    if not (0 <= vat_rate <= 100):
        raise ValidationError({"vat_rate": "The VAT rate must be between 0% and 100%."})
    _net, _vat, gross = totals(lines, vat_rate)
    if gross <= 0:
        raise ValidationError("The invoice total must be more than £0: check the pledge's amount.")

    invoice = _create_invoice(
        pledge,
        details=details,
        lines=lines,
        vat_rate=vat_rate,
        po_number=po_number,
        issue_date=issue_date,
        billing=billing,
        notes=notes,
        user=user,
    )
    move_pledge(pledge, Stage.INVOICED, user=user, note=f"Invoice {invoice.number} raised")
    return invoice


def _create_invoice(
    pledge: Pledge,
    *,
    details: NetworkDetails,
    lines: list[Line],
    vat_rate: Decimal,
    po_number: str = "",
    issue_date: datetime.date | None = None,
    billing: dict | None = None,
    notes: str = "",
    user=None,
) -> Invoice:
    """Number and save an invoice and its lines, checked by the caller (raise_invoice). The demo
    (invoicing.demo) also calls it for pledges the demo world has already moved to Paid."""
    net, vat, gross = totals(lines, vat_rate)
    billing = {**default_billing(pledge), **(billing or {})}
    issue_date = issue_date or timezone.localdate()
    invoice = Invoice(
        number=next_number(details.invoice_prefix, Invoice),
        pledge=pledge,
        po_number=po_number,
        issue_date=issue_date,
        due_date=issue_date + datetime.timedelta(days=details.payment_terms_days),
        billing_name=pledge.organisation.name,
        vat_registered=details.vat_registered,
        vat_number=details.vat_number if details.vat_registered else "",
        vat_rate=vat_rate,
        net_total=net,
        vat_total=vat,
        gross_total=gross,
        notes=notes,
        created_by=user,
        **billing,
    )
    invoice.full_clean()
    invoice.save()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=i,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for i, line in enumerate(lines)
    )
    return invoice


def _locked_balance(invoice: Invoice) -> tuple[Invoice, Decimal, Decimal, Decimal]:
    """Lock the invoice row and read (invoice, paid, credited, balance) as committed."""
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    figures = Invoice.objects.with_balance().values("paid", "credited", "balance").get(pk=invoice.pk)
    return locked, figures["paid"], figures["credited"], figures["balance"]


def _settle(invoice: Invoice, paid: Decimal, balance: Decimal, user, note: str) -> None:
    """A fully paid invoice moves its pledge to Paid."""
    if balance <= 0 and paid > 0:
        move_pledge(invoice.pledge, Stage.PAID, user=user, note=note)


@retry_when_sqlite_is_locked
@transaction.atomic
def record_payment(
    invoice: Invoice,
    *,
    amount,
    date: datetime.date | None = None,
    method: str = "bank_transfer",
    reference: str = "",
    user=None,
) -> Payment:
    """Record money received. More than the balance is refused (say so, don't guess)."""
    amount = parse_money(amount, "amount")
    invoice, paid, _credited, balance = _locked_balance(invoice)
    if balance <= 0:
        raise ValidationError({"amount": f"Invoice {invoice.number} has nothing left to pay."})
    if amount > balance:
        raise ValidationError(
            {
                "amount": (
                    f"£{amount:,.2f} is more than the £{balance:,.2f} still owed on {invoice.number}. "
                    "Record the amount owed, and refund or credit the difference separately."
                )
            }
        )
    today = timezone.localdate()
    date = date or today
    if date > today:
        raise ValidationError({"date": "A payment cannot be dated in the future."})
    payment = Payment(
        invoice=invoice, date=date, amount=amount, method=method, reference=(reference or "").strip(), recorded_by=user
    )
    payment.full_clean()
    payment.save()
    _settle(invoice, paid + amount, balance - amount, user, f"Invoice {invoice.number} paid in full")
    return payment


@retry_when_sqlite_is_locked
@transaction.atomic
def issue_credit_note(
    invoice: Invoice, *, amount, reason: str, user=None, issue_date: datetime.date | None = None
) -> CreditNote:
    """Reduce what is owed on an invoice by a numbered credit note, never beyond what is left."""
    amount = parse_money(amount, "amount", label="credit")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why the invoice is being credited."})
    invoice, paid, _credited, balance = _locked_balance(invoice)
    if amount > balance:
        raise ValidationError(
            {"amount": (f"A credit of £{amount:,.2f} is more than the £{balance:,.2f} left on {invoice.number}.")}
        )
    note = CreditNote(
        number=next_number(network_details().credit_note_prefix, CreditNote),
        invoice=invoice,
        issue_date=issue_date or timezone.localdate(),
        amount=amount,
        reason=reason,
        created_by=user,
    )
    note.full_clean()
    note.save()
    _settle(invoice, paid, balance - amount, user, f"Invoice {invoice.number} settled by credit note {note.number}")
    return note
