"""Filters for the candidate list: which kind of record, the lowest score, one record's pairs.
State lives in the URL, so a filtered list can be bookmarked and shared."""

import django_filters
from django import forms

from crm.forms.base import BootstrapFormMixin
from duplicates.models import CandidatePair, Target


class FilterForm(BootstrapFormMixin, forms.Form):
    pass


class CandidateFilter(django_filters.FilterSet):
    target = django_filters.ChoiceFilter(
        choices=Target.choices, label="Records", empty_label=None, method="filter_nothing"
    )
    min_score = django_filters.NumberFilter(
        field_name="score", lookup_expr="gte", label="Score at least", min_value=0, max_value=1000
    )
    record = django_filters.NumberFilter(
        method="filter_nothing", label="Record number", min_value=1, max_value=2**31 - 1
    )

    class Meta:
        model = CandidatePair
        fields = ["target", "min_score", "record"]
        form = FilterForm

    def filter_nothing(self, queryset, name, value):
        return queryset  # applied by the view (the target chooses the queryset's joins)

    @property
    def chosen_target(self) -> str:
        value = self.form.cleaned_data.get("target") if self.form.is_valid() else None
        return value or Target.CONTACTS
