"""`<option>` lists rendered in Python: a page of follow-ups repeats the same two pickers on every
row, and a template loop per row cost more than the rest of the row put together."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

SELECTED = mark_safe(" selected")


@register.simple_tag
def options(choices, selected=None):
    """`{% options choices selected %}`: one `<option>` per (value, label) pair, `selected` marked."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, SELECTED if value == selected else "", label) for value, label in choices),
    )
