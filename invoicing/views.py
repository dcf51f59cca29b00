"""Invoice, payment, credit note, agreement and network-details pages. Thin: forms parse,
services write, selectors read."""

import csv
import tempfile

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from invoicing import documents, pdf, selectors, services
from invoicing.filters import InvoiceFilter
from invoicing.forms import CreditNoteForm, InvoiceLineFormSet, NetworkDetailsForm, PaymentForm, RaiseInvoiceForm
from invoicing.models import CreditNote, Invoice
from invoicing.resources import InvoiceExportResource
from invoicing.tables import InvoiceTable
from sponsors.models import Pledge

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Line:
    def write(self, text):
        return text


def csv_lines(rows):
    """CSV text a row at a time (a BOM first, so Excel reads UTF-8): flat memory at any size."""
    writer = csv.writer(_Line())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(row)


def xlsx_file(rows):
    """An XLSX workbook written row by row (openpyxl's write-only mode) into a temporary file."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Invoices")
    for row in rows:
        sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    book.save(handle)
    handle.seek(0)
    return handle


def _errors_to_form(form, error: ValidationError):
    """Put a service's refusal on the form: on the field it names, else on the whole form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def pdf_response(content: bytes, filename: str, inline=True) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class InvoiceListView(PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "invoicing.view_invoice"
    model = Invoice
    table_class = InvoiceTable
    filterset_class = InvoiceFilter
    # The table paginates; leaving ListView's paginate_by unset saves a second COUNT over the
    # filtered invoices (the costly part of a status filter at 50,000 invoices).
    table_pagination = {"per_page": 50}
    template_name = "invoicing/invoice_list.html"

    def get_queryset(self):
        return selectors.invoice_list()

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format")
        if fmt is None:
            return super().get(request, *args, **kwargs)
        if fmt not in ("csv", "xlsx"):
            return HttpResponseBadRequest(
                f"Unknown export format “{fmt[:20]}”: choose csv or xlsx.", content_type="text/plain; charset=utf-8"
            )
        filterset = self.filterset_class(request.GET, queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            return HttpResponseBadRequest(
                "Check the filters: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items()),
                content_type="text/plain; charset=utf-8",
            )
        queryset = selectors.with_balance(filterset.qs.defer(None)).order_by("issue_date", "number")
        rows = InvoiceExportResource().stream_rows(queryset)
        filename = f"invoices-{timezone.localdate().isoformat()}.{fmt}"
        if fmt == "csv":
            response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
        else:
            response = FileResponse(xlsx_file(rows), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        for key in ("page", "sort", "format"):
            query.pop(key, None)
        return super().get_context_data(export_query=query.urlencode(), **kwargs)


class InvoiceMixin(PermissionRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        self.invoice = selectors.invoice_detail(kwargs["number"])
        if self.invoice is None:
            raise Http404("No such invoice.")
        return super().dispatch(request, *args, **kwargs)


class InvoiceDetailView(InvoiceMixin, View):
    permission_required = "invoicing.view_invoice"

    def get(self, request, number, payment_form=None, credit_form=None, status=200):
        context = {
            "invoice": self.invoice,
            "payment_form": payment_form or PaymentForm(initial={"amount": self.invoice.balance}),
            "credit_form": credit_form or CreditNoteForm(),
        }
        return render(request, "invoicing/invoice_detail.html", context, status=status)


class RecordPaymentView(InvoiceMixin, View):
    permission_required = "invoicing.add_payment"

    def get(self, request, number):
        return redirect(self.invoice)

    def post(self, request, number):
        form = PaymentForm(request.POST)
        if form.is_valid():
            try:
                payment = services.record_payment(self.invoice, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                invoice = selectors.invoice_detail(number)
                if invoice.balance <= 0:
                    messages.success(
                        request,
                        f"Recorded £{payment.amount:,.2f}: {number} is paid in full and the pledge has moved to Paid.",
                    )
                else:
                    messages.success(
                        request, f"Recorded £{payment.amount:,.2f}; £{invoice.balance:,.2f} is still owed on {number}."
                    )
                return redirect(invoice)
        return InvoiceDetailView.get(self, request, number, payment_form=form, status=400)


class CreditNoteCreateView(InvoiceMixin, View):
    permission_required = "invoicing.add_creditnote"

    def get(self, request, number):
        return redirect(self.invoice)

    def post(self, request, number):
        form = CreditNoteForm(request.POST)
        if form.is_valid():
            try:
                note = services.issue_credit_note(self.invoice, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, f"Issued credit note {note.number} for £{note.amount:,.2f}.")
                return redirect(self.invoice)
        return InvoiceDetailView.get(self, request, number, credit_form=form, status=400)


class InvoicePDFView(InvoiceMixin, View):
    permission_required = "invoicing.view_invoice"

    def get(self, request, number):
        context = {"invoice": self.invoice, "details": services.network_details(), "document": "Invoice"}
        return pdf_response(pdf.render_pdf("invoicing/pdf/invoice.html", context), f"{number}.pdf")


class CreditNotePDFView(PermissionRequiredMixin, View):
    permission_required = "invoicing.view_creditnote"

    def get(self, request, number):
        note = get_object_or_404(CreditNote.objects.select_related("invoice__pledge__organisation"), number=number)
        context = {"note": note, "invoice": note.invoice, "details": services.network_details()}
        return pdf_response(pdf.render_pdf("invoicing/pdf/credit_note.html", context), f"{number}.pdf")


class PledgeMixin(PermissionRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        self.pledge = get_object_or_404(Pledge.objects.select_related("organisation", "event", "tier"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class AgreementPDFView(PledgeMixin, View):
    permission_required = "sponsors.view_pledge"

    def get(self, request, pk):
        if not documents.agreement_available(self.pledge):
            messages.info(request, f"There is no agreement for a {self.pledge.get_stage_display().lower()} pledge.")
            return redirect(self.pledge.get_absolute_url())
        filename, content, _ = documents.render_agreement(self.pledge)
        return pdf_response(content, filename)


class RaiseInvoiceView(PledgeMixin, View):
    permission_required = "invoicing.add_invoice"
    template_name = "invoicing/raise_invoice.html"

    def render_form(self, form, lines, status=200):
        details = services.network_details()
        context = {
            "pledge": self.pledge,
            "form": form,
            "details": details,
            "lines": lines,
            "existing": self.pledge.invoices.values_list("number", flat=True).first(),
        }
        return render(self.request, self.template_name, context, status=status)

    def _lines(self, data=None):
        initial = [
            {"description": line.description, "quantity": line.quantity, "unit_price": line.unit_price}
            for line in services.default_lines(self.pledge)
        ]
        return InvoiceLineFormSet(data, initial=initial, prefix="lines")

    def _form(self, data=None):
        details = services.network_details()
        initial = {
            **services.default_billing(self.pledge),
            "vat_rate": details.default_vat_rate if details.vat_registered else 0,
        }
        return RaiseInvoiceForm(data, initial=initial, vat_registered=details.vat_registered)

    def get(self, request, pk):
        return self.render_form(self._form(), self._lines())

    def post(self, request, pk):
        form = self._form(request.POST)
        # Without the lines' management form (a scripted post) the invoice gets the default lines.
        posted_lines = "lines-TOTAL_FORMS" in request.POST
        lines = self._lines(request.POST if posted_lines else None)
        if form.is_valid() and (not posted_lines or lines.is_valid()):
            data = dict(form.cleaned_data)
            po = data.pop("po_number")
            vat_rate = data.pop("vat_rate", None)
            chosen = (
                [services.Line(f["description"], f["quantity"], f["unit_price"]) for f in lines.cleaned_data if f]
                if posted_lines
                else None
            )
            try:
                invoice = services.raise_invoice(
                    self.pledge, po=po, user=request.user, vat_rate=vat_rate, billing=data, lines=chosen
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    f"Raised invoice {invoice.number} for £{invoice.gross_total:,.2f}; "
                    "the pledge has moved to Invoiced.",
                )
                return redirect(invoice)
        return self.render_form(form, lines, status=400)


class NetworkDetailsView(PermissionRequiredMixin, View):
    """The network's details and the agreement's wording; the organiser edits, others read."""

    permission_required = "invoicing.view_networkdetails"
    template_name = "invoicing/network_details.html"

    def render_form(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "can_edit": self.request.user.has_perm("invoicing.change_networkdetails"),
            },
            status=status,
        )

    def get(self, request):
        return self.render_form(NetworkDetailsForm(instance=services.network_details()))

    def post(self, request):
        if not request.user.has_perm("invoicing.change_networkdetails"):
            return HttpResponse(
                "You may read the network's details but not change them.",
                status=403,
                content_type="text/plain; charset=utf-8",
            )
        form = NetworkDetailsForm(request.POST, instance=services.network_details())
        if form.is_valid():
            try:
                services.save_network_details(form.instance, user=request.user)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, "Saved the network's details.")
                return redirect("invoicing:network_details")
        return self.render_form(form, status=400)
