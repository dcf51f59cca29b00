"""Form fields shared by the apps' forms."""

import datetime

from django import forms
from django.forms.fields import BaseTemporalField
from django.utils import timezone
from django.utils.dateparse import parse_datetime


class LocalDateTimeField(forms.DateTimeField):
    """A local date and time as a person types it, never refused for the clock's sake.

    Django refuses a time that happens twice (01:30 on the night the clocks go back) or not at
    all (01:30 on the night they go forward). A repeated time is read as its first occurrence;
    a missing one moves forward by the gap (01:30 becomes 02:30 summer time), as a wall clock does.
    """

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            text = value.strip()
            try:
                parsed = parse_datetime(text)
            except ValueError:
                parsed = None
            value = parsed or BaseTemporalField.to_python(self, text)
        if isinstance(value, datetime.datetime) and timezone.is_naive(value):
            zone = timezone.get_current_timezone()
            value = value.replace(tzinfo=zone, fold=0).astimezone(datetime.UTC).astimezone(zone)
        return super().to_python(value)


def https_formfield(field, **kwargs):
    """A ModelForm's `Meta.formfield_callback`: an address typed without a scheme is read as
    https://, Django 6's default (Django 5.2 warns until a form says so)."""
    from django.db import models

    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)
