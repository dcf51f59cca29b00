"""Forms for raising invoices, recording payments, crediting and the network's details.
They parse input; the services decide what is allowed."""

from decimal import Decimal

from django import forms
from django.utils import timezone

from crm.forms.base import BootstrapFormMixin
from invoicing.models import NetworkDetails, Payment


class RaiseInvoiceForm(BootstrapFormMixin, forms.Form):
    po_number = forms.CharField(
        label="Purchase-order (PO) number",
        max_length=60,
        required=False,
        strip=False,
        help_text="Public bodies pay only against an invoice quoting their PO number.",
    )
    billing_contact = forms.CharField(label="Billing contact", max_length=200, required=False)
    billing_email = forms.EmailField(label="Billing email", required=False)
    billing_address = forms.CharField(label="Billing address", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    vat_rate = forms.DecimalField(
        label="VAT rate (%)", min_value=Decimal("0"), max_value=Decimal("100"), decimal_places=2, required=False
    )

    def __init__(self, *args, vat_registered=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not vat_registered:
            del self.fields["vat_rate"]


class InvoiceLineForm(BootstrapFormMixin, forms.Form):
    """One line of a new invoice; blank extra rows are ignored."""

    description = forms.CharField(max_length=300)
    quantity = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    unit_price = forms.DecimalField(
        label="Unit price (£)",
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


InvoiceLineFormSet = forms.formset_factory(
    InvoiceLineForm, extra=2, min_num=1, validate_min=True, max_num=20, validate_max=True
)


class PaymentForm(BootstrapFormMixin, forms.Form):
    amount = forms.CharField(
        label="Amount (£)", max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    )
    date = forms.DateField(label="Date received", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    method = forms.ChoiceField(choices=Payment.Method.choices)
    reference = forms.CharField(
        max_length=100, required=False, strip=False, help_text="The bank reference or cheque number."
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)


class CreditNoteForm(BootstrapFormMixin, forms.Form):
    amount = forms.CharField(
        label="Credit (£, incl. VAT)",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(max_length=300)


class NetworkDetailsForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = NetworkDetails
        fields = [
            "name",
            "address",
            "email",
            "signatory_name",
            "signatory_title",
            "vat_registered",
            "vat_number",
            "default_vat_rate",
            "invoice_prefix",
            "credit_note_prefix",
            "payment_terms_days",
            "payment_instructions",
            "agreement_template",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 4}),
            "payment_instructions": forms.Textarea(attrs={"rows": 3}),
            "agreement_template": forms.Textarea(attrs={"rows": 12}),
        }
