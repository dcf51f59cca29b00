"""Admin: read-only views of invoices and their parts. Issued invoices are never edited, and
payments and credit notes are recorded through the app's services, so the admin adds nothing."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from invoicing.models import CreditNote, Invoice, InvoiceLine, NetworkDetails, Payment


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = readonly_fields = ["description", "quantity", "unit_price"]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = readonly_fields = ["date", "amount", "method", "reference", "recorded_by"]


class CreditNoteInline(ReadOnlyInline):
    model = CreditNote
    fields = readonly_fields = ["number", "issue_date", "amount", "reason"]


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "billing_name", "po_number", "issue_date", "due_date", "gross_total"]
    list_select_related = ["pledge"]
    search_fields = ["number", "po_number", "billing_name"]
    date_hierarchy = "issue_date"
    inlines = [LineInline, PaymentInline, CreditNoteInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "date", "amount", "method", "reference"]
    list_select_related = ["invoice"]
    search_fields = ["invoice__number", "reference"]


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "invoice", "issue_date", "amount", "reason"]
    list_select_related = ["invoice"]


@admin.register(NetworkDetails)
class NetworkDetailsAdmin(SimpleHistoryAdmin):
    list_display = ["name", "vat_registered", "invoice_prefix", "payment_terms_days"]

    def has_add_permission(self, request):
        return not NetworkDetails.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
