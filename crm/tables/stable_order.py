"""Sorted lists page through every row exactly once.

A list sorted by a column with ties (organisation, city, owner, a date) was ordered by that
column alone, so the database could hand the tied rows over in a different order for each
page: a record could show on page 1 and 2, and another on neither (PostgreSQL's top-N sort
does this). django-tables2 orders the queryset in one place, TableQuerysetData.order_by;
after it, the primary key is added as the last sort key when the ordering has none.
Installed by CrmConfig.ready().
"""

from django.db.models import QuerySet
from django_tables2.data import TableQuerysetData

_original_order_by = TableQuerysetData.order_by


def _names(ordering) -> set[str]:
    return {field.lstrip("-") for field in ordering if isinstance(field, str)}


def stable_order_by(self, aliases):
    _original_order_by(self, aliases)
    queryset = self.data
    if not isinstance(queryset, QuerySet) or not queryset.query.order_by:
        return  # not sorted by a column: the model's own ordering applies
    keys = {"pk", queryset.model._meta.pk.name, queryset.model._meta.pk.attname}
    if not keys & _names(queryset.query.order_by):
        self.data = queryset.order_by(*queryset.query.order_by, "pk")


def install() -> None:
    TableQuerysetData.order_by = stable_order_by
