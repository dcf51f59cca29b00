"""The paperwork a pledge runs on: the network's details, invoices, credit notes, payments.

An issued invoice is never edited: its lines and totals are fixed when it is raised and a
correction is a credit note. What is still owed (the balance) is always derived from the
payments and credit notes, never stored, so it cannot drift from them.
"""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

CENT = Decimal("0.01")
PREFIX = re.compile(r"[A-Za-z0-9-]{1,10}")
POSITIVE = [MinValueValidator(CENT)]


def validate_no_control_characters(value: str) -> None:
    """A PO number is copied into the buyer's finance system: tabs, newlines and other
    control characters break their matching, so they are refused outright."""
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value or ""):
        raise ValidationError("Remove the control characters (tabs, line breaks and the like): they cannot be printed.")


class NetworkDetails(models.Model):
    """The network's own details for agreements and invoices: one row the organiser edits."""

    name = models.CharField(max_length=200, default="Regional Digital Network")
    address = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    signatory_name = models.CharField(max_length=200, blank=True)
    signatory_title = models.CharField(max_length=200, blank=True)
    vat_registered = models.BooleanField("registered for VAT", default=False)
    vat_number = models.CharField("VAT number", max_length=30, blank=True)
    default_vat_rate = models.DecimalField(
        "default VAT rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    invoice_prefix = models.CharField(max_length=10, default="INV-")
    credit_note_prefix = models.CharField(max_length=10, default="CN-")
    payment_terms_days = models.PositiveIntegerField(
        default=30,
        validators=[MaxValueValidator(365)],
        help_text="Days between an invoice's issue and due dates.",
    )
    payment_instructions = models.TextField(
        blank=True,
        help_text="Bank details or how to pay, printed on every invoice.",
    )
    agreement_template = models.TextField(
        blank=True,
        help_text="Wording of the sponsorship agreement. Placeholders: {{ network }}, {{ sponsor }}, "
        "{{ event }}, {{ event_date }}, {{ tier }}, {{ amount }}, {{ payment_terms_days }}.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "network details"
        verbose_name_plural = "network details"

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.vat_registered and not self.vat_number.strip():
            errors["vat_number"] = "A VAT-registered network must show its VAT number on invoices."
        for name in ("invoice_prefix", "credit_note_prefix"):
            if not PREFIX.fullmatch(getattr(self, name) or ""):
                errors[name] = "Use 1 to 10 letters, digits and dashes (it becomes part of the web address)."
        if self.invoice_prefix and self.invoice_prefix == self.credit_note_prefix:
            errors["credit_note_prefix"] = "Credit notes need a different prefix from invoices."
        if errors:
            raise ValidationError(errors)


class NumberSequence(models.Model):
    """The last number used for one prefix. Numbering locks this row, in the same
    transaction as the document it numbers, so numbers have no gaps and no repeats."""

    prefix = models.CharField(max_length=10, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.prefix}{self.last_number:04d}"


class InvoiceQuerySet(models.QuerySet):
    def with_balance(self):
        """Annotate paid, credited and balance: two grouped subqueries, whatever the number of rows."""
        from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
        from django.db.models.functions import Coalesce, Round

        money = DecimalField(max_digits=14, decimal_places=2)
        zero = Value(Decimal("0"), output_field=money)

        def total(model):
            return Coalesce(
                Subquery(
                    model.objects.filter(invoice=OuterRef("pk"))
                    .order_by()
                    .values("invoice")
                    .annotate(s=Sum("amount"))
                    .values("s")[:1],
                    output_field=money,
                ),
                zero,
                output_field=money,
            )

        # Rounded to pence: SQLite computes in floats, where 1009 - 909.01 - 99.99 is 1e-13 and a
        # settled invoice would still show as owing.
        return self.annotate(paid=total(Payment), credited=total(CreditNote)).annotate(
            balance=Round(F("gross_total") - F("paid") - F("credited"), 2, output_field=money),
        )


class Invoice(models.Model):
    """A bill for a pledge. Fixed once issued; the billing details are a snapshot."""

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued"
        PART_PAID = "part_paid", "Part paid"
        OVERDUE = "overdue", "Overdue"
        PAID = "paid", "Paid"
        CREDITED = "credited", "Credited"

    number = models.CharField(max_length=20, unique=True)
    pledge = models.ForeignKey("sponsors.Pledge", on_delete=models.PROTECT, related_name="invoices")
    po_number = models.CharField(
        "purchase-order number",
        max_length=60,
        blank=True,
        validators=[validate_no_control_characters],
    )
    issue_date = models.DateField()
    due_date = models.DateField()
    billing_name = models.CharField(max_length=200)
    billing_contact = models.CharField(max_length=200, blank=True)
    billing_email = models.EmailField(blank=True)
    billing_address = models.TextField(blank=True)
    vat_registered = models.BooleanField(default=False)
    vat_number = models.CharField("VAT number", max_length=30, blank=True)
    vat_rate = models.DecimalField(
        "VAT rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    net_total = models.DecimalField(max_digits=12, decimal_places=2)
    vat_total = models.DecimalField(max_digits=12, decimal_places=2)
    gross_total = models.DecimalField(max_digits=12, decimal_places=2)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issue_date", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["pledge"], name="invoice_one_per_pledge"),
            models.CheckConstraint(condition=models.Q(gross_total__gte=0), name="invoice_gross_non_negative"),
        ]
        indexes = [
            models.Index(fields=["-issue_date", "-number"], name="invoice_list_order_idx"),
            models.Index(fields=["due_date"]),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("invoicing:invoice_detail", args=[self.number])

    def status_for(self, balance, paid, credited, today):
        """The status people see, from the derived figures (never stored)."""
        if balance <= 0:
            return self.Status.CREDITED if paid <= 0 and credited > 0 else self.Status.PAID
        if self.due_date < today:
            return self.Status.OVERDUE
        if paid > 0:
            return self.Status.PART_PAID
        return self.Status.ISSUED


class InvoiceLine(models.Model):
    """One line of an invoice, net of VAT; the invoice's totals are rounded once from all lines."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("1"), validators=POSITIVE)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["invoice", "position", "id"]

    def __str__(self):
        return self.description

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


class CreditNote(models.Model):
    """A correction to an issued invoice: reduces what is owed, never more than is left."""

    number = models.CharField(max_length=20, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    issue_date = models.DateField()
    amount = models.DecimalField("amount (GBP, incl. VAT)", max_digits=12, decimal_places=2, validators=POSITIVE)
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["invoice", "issue_date", "number"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_note_positive")]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("invoicing:credit_note_pdf", args=[self.number])


class Payment(models.Model):
    """Money received against an invoice, in full or in part."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CARD = "card", "Card"
        CHEQUE = "cheque", "Cheque"
        CASH = "cash", "Cash"
        OTHER = "other", "Other"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    date = models.DateField("date received")
    amount = models.DecimalField("amount (GBP)", max_digits=12, decimal_places=2, validators=POSITIVE)
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.BANK_TRANSFER)
    reference = models.CharField(max_length=100, blank=True, validators=[validate_no_control_characters])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["invoice", "date", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive")]
        indexes = [models.Index(fields=["invoice", "amount"], name="payment_invoice_amount_idx")]

    def __str__(self):
        return f"£{self.amount:,.2f} on {self.date:%d %b %Y}"
