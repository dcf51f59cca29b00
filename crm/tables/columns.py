"""Columns every app's tables share."""

import datetime

import django_tables2 as tables
from django.db import models
from django.template.defaultfilters import date as date_filter
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in django-stubs
from django_tables2.columns import library

from crm.formatting import format_money


def money(value) -> str:
    """£1,234 for a figure, nothing for a missing one."""
    return "" if value is None else format_money(value)


class MoneyColumn(tables.Column):
    """A right-aligned sterling figure."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return money(value)


@library.register
class DateColumn(tables.Column):
    """A date written as the `date` filter writes it.

    django-tables2's own DateColumn is a TemplateColumn that compiles its template for every
    cell; on a 50-row list that was a tenth of the page's time. Registered in the column library,
    so a table's model date fields get this one too. Exports get the ISO date.
    """

    def __init__(self, format=None, short=True, *args, **kwargs):
        self.format = format or ("SHORT_DATE_FORMAT" if short else "DATE_FORMAT")
        super().__init__(*args, **kwargs)

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            return cls(**kwargs)
        return None

    def render(self, value):
        # As in a template: an aware datetime is shown in the local time zone.
        return date_filter(template_localtime(value), self.format) or self.default

    def value(self, value, **kwargs):
        return value.isoformat() if isinstance(value, datetime.date) else value


@library.register
class DateTimeColumn(DateColumn):
    """A date and time in the local time zone, as the `date` filter writes it (see DateColumn)."""

    def __init__(self, format=None, short=True, *args, **kwargs):
        super().__init__(format or ("SHORT_DATETIME_FORMAT" if short else "DATETIME_FORMAT"), *args, **kwargs)

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DateTimeField):
            return cls(**kwargs)
        return None

    def value(self, value, **kwargs):
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value
