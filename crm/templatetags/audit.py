"""Template helpers for audit trails."""

import re

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html

register = template.Library()

IMPORT_REASON = re.compile(r"^import #(\d+)$")


@register.filter
def history_reason(reason):
    """A change made by an import links to its batch ("import #N"); any other reason is escaped text."""
    text = "" if reason is None else str(reason)
    match = IMPORT_REASON.match(text)
    if match:
        return format_html(
            '<a href="{}">{}</a>', reverse("spreadsheets:import_detail", args=[int(match.group(1))]), text
        )
    return conditional_escape(text)
