"""Columns every app's tables share."""
import django_tables2 as tables

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
