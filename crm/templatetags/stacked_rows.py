"""A list row's cells rendered in Python, for every django-tables2 list (templates/django_tables2/stacked.html).

The stock row template resolves each cell's attributes, header and localisation through the
template engine: at 50 rows of 8 columns that was most of a list page's server time. Here the
parts that do not change from row to row (a column's `<td>` attributes when none is computed from
the record, its header for the phone layout's label) are worked out once per table.
"""

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


def _static_td(bound_column) -> bool:
    """Whether the column's <td> attributes are the same for every row (no callables)."""
    attrs = {**bound_column._table.attrs, **bound_column.column.attrs}
    td = attrs.get("td", attrs.get("cell", {}))
    return not any(callable(value) for value in td.values())


def _opening_tag(bound_column) -> str:
    attrs = bound_column.attrs["td"].as_html()
    return format_html('<td{}{} data-label="{}">', " " if attrs else "", attrs, bound_column.header)


def _localised(bound_column, cell):
    if bound_column.localize is None:
        return conditional_escape(cell)
    if bound_column.localize:
        return conditional_escape(localize(cell, use_l10n=True))
    return conditional_escape(localize(cell, use_l10n=False))


@register.simple_tag
def row_cells(row):
    """`<td data-label="Header">cell</td>` for each of the row's cells."""
    table = row.table
    cache = table.__dict__.setdefault("_stacked_td", {})
    html = []
    for bound_column, cell in row.items():
        opening = cache.get(bound_column.name)
        if opening is None:
            opening = _opening_tag(bound_column)
            if _static_td(bound_column):
                cache[bound_column.name] = opening
        html.append(f"{opening}{_localised(bound_column, cell)}</td>")
    return mark_safe("".join(html))
