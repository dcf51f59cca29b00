"""{{ amount|gbp }}: £12,345 (crm.formatting.format_money); blank for no amount."""

from django import template

from crm.formatting import format_money

register = template.Library()


@register.filter
def gbp(value) -> str:
    if value is None or value == "":
        return ""
    return format_money(value)
