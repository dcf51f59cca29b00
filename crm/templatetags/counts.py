"""Counts that stop counting: a count past its cap reads "more than 1,000"."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.filter
def capped(count, cap):
    """`{{ n|capped:1000 }}`: the number, or "more than 1,000" when n went past the cap."""
    if cap is not None and count > cap:
        return f"more than {intcomma(cap)}"
    return intcomma(count)
