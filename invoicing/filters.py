"""Filters for the invoice list; state lives in the URL so the list and its export agree."""

import django_filters
from django import forms
from django.db.models import Q

from crm.forms.base import BootstrapFormMixin
from crm.models import Event
from invoicing import selectors
from invoicing.models import Invoice


class FilterForm(BootstrapFormMixin, forms.Form):
    pass


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label="Number, PO or organisation",
        widget=forms.TextInput(attrs={"placeholder": "INV-0001, PO or name…", "type": "search"}),
    )
    status = django_filters.ChoiceFilter(
        choices=Invoice.Status.choices, method="filter_status", label="Status", empty_label="Any status"
    )
    event = django_filters.ModelChoiceFilter(
        field_name="pledge__event", queryset=Event.objects.all(), label="Event", empty_label="Any event"
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Overdue",
        widget=forms.Select(choices=[("", "Either"), ("true", "Overdue only"), ("false", "Not overdue")]),
    )

    class Meta:
        model = Invoice
        fields = ["q", "status", "event", "overdue"]
        form = FilterForm

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__iexact=value) | Q(po_number__icontains=value) | Q(billing_name__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        return selectors.filter_status(queryset, value)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = selectors.filter_status(queryset, Invoice.Status.OVERDUE)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))
