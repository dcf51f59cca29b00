"""The invoice list's export columns, as a django-import-export resource (export only).

Text cells a spreadsheet would run as a formula (a PO number or an organisation name
starting with =, +, -, @) are neutralised with the core's rule (crm.exports.neutralise);
money stays a number.
"""
from django.utils import timezone
from import_export import fields, resources

from crm.exports import neutralise
from invoicing.models import Invoice


def _field(column_name, attribute=None):
    return fields.Field(attribute=attribute, column_name=column_name, readonly=True)


class InvoiceExportResource(resources.ModelResource):
    number = _field("Number", "number")
    organisation = _field("Organisation", "billing_name")
    event = _field("Event", "pledge__event__name")
    po_number = _field("PO number", "po_number")
    billing_contact = _field("Billing contact", "billing_contact")
    issue_date = _field("Issued", "issue_date")
    due_date = _field("Due", "due_date")
    net_total = _field("Net", "net_total")
    vat_rate = _field("VAT rate (%)", "vat_rate")
    vat_total = _field("VAT", "vat_total")
    gross_total = _field("Total", "gross_total")
    paid = _field("Paid", "paid")
    credited = _field("Credited", "credited")
    balance = _field("Owed", "balance")
    status = _field("Status")

    class Meta:
        model = Invoice
        fields = ("number", "organisation", "event", "po_number", "billing_contact", "issue_date", "due_date",
                  "net_total", "vat_rate", "vat_total", "gross_total", "paid", "credited", "balance", "status")
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.today = timezone.localdate()

    def dehydrate_status(self, invoice):
        return Invoice.Status(invoice.status_for(invoice.balance, invoice.paid, invoice.credited, self.today)).label

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        return neutralise(value)
