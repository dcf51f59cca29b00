"""Invoices, credit notes and payments as REST resources (/api/invoices/, /api/credit-notes/,
/api/payments/), registered with crm.registry so the API app routes them without this app
importing it (nor it this one).

The viewsets rely on the project's REST_FRAMEWORK defaults: bearer-token authentication, the
role permissions (view/add per model), capped pagination, django-filter + ordering,
throttling and the exception handler that answers a service's ValidationError as JSON. Writes
go through invoicing.services, as the web pages do: raising an invoice moves its pledge to
Invoiced; a payment or credit note that settles it moves the pledge to Paid (stage history,
the "pledge paid" webhook). Issued invoices are never edited: no PUT, PATCH or DELETE.
"""

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from crm.models import Organisation
from crm.registry import ApiResource, register_api_resource
from invoicing import services
from invoicing.filters import InvoiceFilter
from invoicing.models import CreditNote, Invoice, InvoiceLine, Payment
from sponsors.models import Pledge


class _RefusesUnknownFields:
    """A typo'd field is a 400 naming it, not silently dropped (as on the API's other resources)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


def _username():
    return serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)


# Reading --------------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=22, decimal_places=2, read_only=True)

    class Meta:
        model = InvoiceLine
        fields = ["description", "quantity", "unit_price", "amount"]


class InvoiceSerializer(serializers.ModelSerializer):
    """An issued invoice with what is paid, credited and still owed (derived, never stored)."""

    organisation = serializers.IntegerField(source="pledge.organisation_id", read_only=True)
    event = serializers.IntegerField(source="pledge.event_id", read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    paid = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    credited = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    status = serializers.SerializerMethodField()
    created_by = _username()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "pledge",
            "organisation",
            "event",
            "po_number",
            "issue_date",
            "due_date",
            "billing_name",
            "billing_contact",
            "billing_email",
            "billing_address",
            "vat_registered",
            "vat_number",
            "vat_rate",
            "net_total",
            "vat_total",
            "gross_total",
            "paid",
            "credited",
            "balance",
            "status",
            "lines",
            "notes",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Invoice.Status.choices))
    def get_status(self, invoice) -> str:
        today = self.context.get("today") or timezone.localdate()
        return Invoice.Status(invoice.status_for(invoice.balance, invoice.paid, invoice.credited, today)).value


class PaymentSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    organisation = serializers.IntegerField(source="invoice.pledge.organisation_id", read_only=True)
    recorded_by = _username()

    class Meta:
        model = Payment
        fields = [
            "id",
            "invoice",
            "invoice_number",
            "organisation",
            "date",
            "amount",
            "method",
            "reference",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class CreditNoteSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    organisation = serializers.IntegerField(source="invoice.pledge.organisation_id", read_only=True)
    created_by = _username()

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "invoice",
            "invoice_number",
            "organisation",
            "issue_date",
            "amount",
            "reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


# Writing: the input each service takes -------------------------------------------------------


class LineInputSerializer(_RefusesUnknownFields, serializers.Serializer):
    description = serializers.CharField(max_length=300)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=services.CENT)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class InvoiceCreateSerializer(_RefusesUnknownFields, serializers.Serializer):
    """Raise the invoice for a pledge confirmed in writing (as the web's Raise invoice page).

    Without `lines` the invoice has the pledge's one line (its tier and event, its amount);
    billing details default to the organisation's first contact with an email.
    """

    pledge = serializers.PrimaryKeyRelatedField(queryset=Pledge.objects.all())
    po_number = serializers.CharField(max_length=200, required=False, allow_blank=True, trim_whitespace=False)
    billing_contact = serializers.CharField(max_length=200, required=False, allow_blank=True)
    billing_email = serializers.EmailField(required=False, allow_blank=True)
    billing_address = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False)
    lines = LineInputSerializer(many=True, required=False, min_length=1, max_length=20)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def save_with(self, user) -> Invoice:
        data = dict(self.validated_data)
        lines = [
            services.Line(line["description"], line["quantity"], line["unit_price"]) for line in data.pop("lines", [])
        ] or None
        billing = {
            name: data.pop(name) for name in ("billing_contact", "billing_email", "billing_address") if name in data
        }
        return services.raise_invoice(
            data.pop("pledge"),
            po=data.pop("po_number", ""),
            user=user,
            lines=lines,
            vat_rate=data.pop("vat_rate", None),
            billing=billing,
            notes=data.pop("notes", ""),
        )


class PaymentCreateSerializer(_RefusesUnknownFields, serializers.Serializer):
    """Money received against an invoice; more than it still owes is refused."""

    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    date = serializers.DateField(required=False, help_text="Date received (default today; never in the future).")
    method = serializers.ChoiceField(choices=Payment.Method.choices, default=Payment.Method.BANK_TRANSFER)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, trim_whitespace=False)

    def save_with(self, user) -> Payment:
        data = dict(self.validated_data)
        return services.record_payment(data.pop("invoice"), user=user, **data)


class CreditNoteCreateSerializer(_RefusesUnknownFields, serializers.Serializer):
    """A numbered credit against an invoice, never more than it still owes."""

    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    reason = serializers.CharField(max_length=300)

    def save_with(self, user) -> CreditNote:
        data = dict(self.validated_data)
        return services.issue_credit_note(data.pop("invoice"), user=user, **data)


# Filters --------------------------------------------------------------------------------------


def _changed_since(label):
    return django_filters.IsoDateTimeFilter(method="filter_updated_since", label=label)


class ApiInvoiceFilter(InvoiceFilter):
    """The invoice list's filters (q, status, event, overdue) and what a sync needs."""

    organisation = django_filters.ModelChoiceFilter(
        field_name="pledge__organisation", queryset=Organisation.objects.all()
    )
    pledge = django_filters.ModelChoiceFilter(queryset=Pledge.objects.all())
    number = django_filters.CharFilter(lookup_expr="iexact")
    issued_after = django_filters.DateFilter(field_name="issue_date", lookup_expr="gte")
    issued_before = django_filters.DateFilter(field_name="issue_date", lookup_expr="lte")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    updated_since = _changed_since("Raised, paid or credited at or after (ISO 8601 date-time)")

    def filter_updated_since(self, queryset, name, value):
        """An invoice never changes once issued, but its balance and status do: a payment or a
        credit note recorded since counts as a change."""
        return queryset.filter(
            Q(created_at__gte=value)
            | Exists(Payment.objects.filter(invoice=OuterRef("pk"), created_at__gte=value))
            | Exists(CreditNote.objects.filter(invoice=OuterRef("pk"), created_at__gte=value))
        )


class _MoneyFilter(django_filters.FilterSet):
    invoice = django_filters.ModelChoiceFilter(queryset=Invoice.objects.all())
    organisation = django_filters.ModelChoiceFilter(
        field_name="invoice__pledge__organisation", queryset=Organisation.objects.all()
    )
    updated_since = _changed_since("Recorded at or after (ISO 8601 date-time); these are never edited")

    def filter_updated_since(self, queryset, name, value):
        return queryset.filter(created_at__gte=value)


class ApiPaymentFilter(_MoneyFilter):
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Payment
        fields = ["invoice", "organisation", "method"]


class ApiCreditNoteFilter(_MoneyFilter):
    issued_after = django_filters.DateFilter(field_name="issue_date", lookup_expr="gte")
    issued_before = django_filters.DateFilter(field_name="issue_date", lookup_expr="lte")

    class Meta:
        model = CreditNote
        fields = ["invoice", "organisation"]


# Viewsets -------------------------------------------------------------------------------------


class _ReadCreate(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List, read and create through a service; never edited or deleted (a correction is a credit note)."""

    lookup_value_converter = "int"  # /api/invoices/abc/ is an unknown URL (JSON 404), not a 500
    create_serializer_class: type

    def create(self, request, *args, **kwargs):
        given = self.create_serializer_class(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        created = given.save_with(request.user)
        data = self.get_serializer(self.get_queryset().get(pk=created.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)


class InvoiceViewSet(_ReadCreate):
    # The pledge's ids come by prefetch, not a join: a join let SQLite's planner scan every
    # pledge to find a page of invoices (57 ms at the large data, against 5 ms).
    queryset = (
        Invoice.objects.with_balance()
        .select_related("created_by")
        .prefetch_related(Prefetch("pledge", Pledge.objects.only("id", "organisation_id", "event_id")), "lines")
    )
    serializer_class = InvoiceSerializer
    create_serializer_class = InvoiceCreateSerializer
    filterset_class = ApiInvoiceFilter
    ordering_fields = ["number", "issue_date", "due_date", "gross_total", "created_at", "id"]
    ordering = ["-issue_date", "-number"]

    @extend_schema(request=InvoiceCreateSerializer, responses={201: InvoiceSerializer})
    def create(self, request, *args, **kwargs):
        """Raise the invoice for a pledge confirmed in writing; the pledge moves to Invoiced."""
        return super().create(request, *args, **kwargs)


#: The invoice's number and organisation by prefetch (one query a page), not a join the planner
#: might start from.
_INVOICE = Prefetch(
    "invoice", Invoice.objects.select_related("pledge").only("id", "number", "pledge__id", "pledge__organisation_id")
)


class PaymentViewSet(_ReadCreate):
    queryset = Payment.objects.select_related("recorded_by").prefetch_related(_INVOICE)
    serializer_class = PaymentSerializer
    create_serializer_class = PaymentCreateSerializer
    filterset_class = ApiPaymentFilter
    ordering_fields = ["date", "amount", "created_at", "id"]
    ordering = ["-date", "-id"]

    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer})
    def create(self, request, *args, **kwargs):
        """Record money received; paying the balance in full moves the pledge to Paid."""
        return super().create(request, *args, **kwargs)


class CreditNoteViewSet(_ReadCreate):
    queryset = CreditNote.objects.select_related("created_by").prefetch_related(_INVOICE)
    serializer_class = CreditNoteSerializer
    create_serializer_class = CreditNoteCreateSerializer
    filterset_class = ApiCreditNoteFilter
    ordering_fields = ["issue_date", "amount", "number", "created_at", "id"]
    ordering = ["-issue_date", "-number"]

    @extend_schema(request=CreditNoteCreateSerializer, responses={201: CreditNoteSerializer})
    def create(self, request, *args, **kwargs):
        """Credit part or all of what an invoice still owes."""
        return super().create(request, *args, **kwargs)


def register() -> None:
    """Called from InvoicingConfig.ready()."""
    register_api_resource(ApiResource("invoices", InvoiceViewSet, "invoice"))
    register_api_resource(ApiResource("credit-notes", CreditNoteViewSet, "creditnote"))
    register_api_resource(ApiResource("payments", PaymentViewSet, "payment"))
