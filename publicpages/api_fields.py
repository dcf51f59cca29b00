"""What the REST API shows of the public form, through crm.registry (the API never imports this
app): a pledge's `source` ("application form" when it came from the public application, else
null) and the filter `/api/pledges/?source=application form`."""

from __future__ import annotations

import django_filters
from django.db.models import Case, CharField, Exists, OuterRef, Value, When

from publicpages.models import Application
from publicpages.services import SOURCE


def applied():
    return Exists(Application.objects.filter(pledge_id=OuterRef("pk")))


def pledge_source():
    """A pledge's `source`, computed in the API's own query of the pledges (no query of its own)."""
    return Case(When(applied(), then=Value(SOURCE)), default=None, output_field=CharField())


def by_source(queryset, name, value):
    return queryset.filter(applied()) if value == SOURCE else queryset


def source_filter() -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(
        choices=[(SOURCE, "Application form")],
        method=by_source,
        label="Where the pledge came from (application form: the event's public application)",
    )


def register() -> None:
    from crm.registry import register_api_annotation, register_api_filter

    register_api_annotation("sponsors.pledge", "source", pledge_source)
    register_api_filter("sponsors.pledge", "source", source_filter)
