"""Filters for the pledge and in-kind lists; state lives in the URL so a filtered
list can be bookmarked, shared or exported."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model

from crm.filters import FilterForm
from crm.models import Event
from sponsors.models import InKindContribution, Pledge, SponsorshipTier, Stage


def _people(request):
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class PledgeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="organisation__name",
        lookup_expr="icontains",
        label="Organisation",
        widget=forms.TextInput(attrs={"placeholder": "Name contains…", "type": "search"}),
    )
    event = django_filters.ModelChoiceFilter(queryset=Event.objects.all(), empty_label="Any event")
    stage = django_filters.MultipleChoiceFilter(
        choices=Stage.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    tier = django_filters.ModelChoiceFilter(
        queryset=SponsorshipTier.objects.select_related("event"),
        empty_label="Any tier",
    )
    owner = django_filters.ModelChoiceFilter(queryset=_people, empty_label="Anyone")

    class Meta:
        model = Pledge
        fields = ["q", "event", "stage", "tier", "owner"]
        form = FilterForm


class InKindFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="organisation__name",
        lookup_expr="icontains",
        label="Organisation",
        widget=forms.TextInput(attrs={"placeholder": "Name contains…", "type": "search"}),
    )
    event = django_filters.ModelChoiceFilter(queryset=Event.objects.all(), empty_label="Any event")
    category = django_filters.ChoiceFilter(choices=InKindContribution.Category.choices, empty_label="Any category")
    status = django_filters.ChoiceFilter(choices=InKindContribution.Status.choices, empty_label="Any status")

    class Meta:
        model = InKindContribution
        fields = ["q", "event", "category", "status"]
        form = FilterForm
