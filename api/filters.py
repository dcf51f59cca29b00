"""Filter sets of the API: the list pages' own where they fit, plus `updated_since`."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend

from crm.filters import ContactFilter, InteractionFilter, OrganisationFilter
from crm.models import FollowUp
from partners.filters import FavourFilter
from sponsors.filters import InKindFilter, PledgeFilter


def updated_since():
    return django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Changed at or after (ISO 8601 date-time)",
    )


class ApiOrganisationFilter(OrganisationFilter):
    """The list page's filters without those that need its per-row figures (None removes one)."""

    list_name = ""  # no extension filters either: they rely on the web list's annotations
    contacted_after = contacted_before = overdue = None
    updated_since = updated_since()


class ApiContactFilter(ContactFilter):
    list_name = ""
    contacted_after = contacted_before = overdue = None
    updated_since = updated_since()


class ApiInteractionFilter(InteractionFilter):
    """Interactions are never edited, so they have no updated_since."""


class ApiFollowUpFilter(django_filters.FilterSet):
    """Not the web's FollowUpFilter: that one defaults to the user's own open follow-ups."""

    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    updated_since = updated_since()

    class Meta:
        model = FollowUp
        fields = ["status", "assignee", "organisation", "contact", "pledge"]


class ApiPledgeFilter(PledgeFilter):
    updated_since = updated_since()

    class Meta(PledgeFilter.Meta):
        fields = [*PledgeFilter.Meta.fields, "organisation"]


class ApiInKindFilter(InKindFilter):
    updated_since = updated_since()

    class Meta(InKindFilter.Meta):
        fields = [*InKindFilter.Meta.fields, "organisation"]


class ApiFavourFilter(FavourFilter):
    updated_since = updated_since()

    class Meta(FavourFilter.Meta):
        fields = [*FavourFilter.Meta.fields, "organisation"]


_extended: dict[tuple, type] = {}


def with_registered_filters(filterset_class: type) -> type:
    """`filterset_class` with the filters other apps registered for its model (crm.registry), made
    once: a subclass, so the OpenAPI schema lists them too."""
    from crm.registry import api_filters

    extra = api_filters(filterset_class._meta.model._meta.label_lower)
    if not extra:
        return filterset_class
    key = (filterset_class, tuple(sorted(extra)))
    if key not in _extended:
        attrs = {**extra, "__module__": filterset_class.__module__, "__doc__": filterset_class.__doc__}
        _extended[key] = type(filterset_class)(filterset_class.__name__, (filterset_class,), attrs)
    return _extended[key]


class RegisteredFilterBackend(DjangoFilterBackend):
    """django-filter's backend with the filters apps register through crm.registry.register_api_filter."""

    def get_filterset_class(self, view, queryset=None):
        filterset_class = super().get_filterset_class(view, queryset)
        return with_registered_filters(filterset_class) if filterset_class is not None else None
