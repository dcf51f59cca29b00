"""Filters for the favours ledger and the partner list (state in the URL)."""

import django_filters
from django import forms
from django.db.models import Q

from crm.filters import FilterForm
from crm.models import Organisation
from partners.models import Favour, PartnerProfile


class FavourFilter(django_filters.FilterSet):
    show = django_filters.ChoiceFilter(
        label="Show",
        choices=[("owed", "We owe (not yet done)")],
        empty_label="All favours",
        method="filter_show",
    )
    q = django_filters.CharFilter(
        field_name="organisation__name",
        lookup_expr="icontains",
        label="Organisation",
        widget=forms.TextInput(attrs={"placeholder": "Name contains…", "type": "search"}),
    )
    direction = django_filters.ChoiceFilter(choices=Favour.Direction.choices, empty_label="Any direction")
    status = django_filters.ChoiceFilter(choices=Favour.Status.choices, empty_label="Any status")

    class Meta:
        model = Favour
        fields = ["show", "q", "direction", "status"]
        form = FilterForm

    def filter_show(self, queryset, name, value):
        return queryset.owed() if value == "owed" else queryset


class PartnerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        label="Name",
        widget=forms.TextInput(attrs={"placeholder": "Name contains…", "type": "search"}),
    )
    role = django_filters.ChoiceFilter(
        choices=[("supplier", "Supplier"), ("training_provider", "Training provider")],
        empty_label="Any role",
        method="filter_role",
    )
    status = django_filters.ChoiceFilter(
        field_name="partner_profile__status",
        choices=PartnerProfile.Status.choices,
        empty_label="Any status",
    )
    offer_type = django_filters.ChoiceFilter(
        field_name="partner_profile__offer_type",
        choices=PartnerProfile.OfferType.choices,
        empty_label="Any offer",
        label="Offer type",
    )

    class Meta:
        model = Organisation
        fields = ["q", "role", "status", "offer_type"]
        form = FilterForm

    def filter_role(self, queryset, name, value):
        field = {"supplier": "is_supplier", "training_provider": "is_training_provider"}.get(value)
        return queryset.filter(Q(**{field: True})) if field else queryset
