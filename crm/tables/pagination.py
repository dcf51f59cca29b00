"""Pagination for lists whose filter, not their rows, is the expensive part.

Django's paginator counts the rows with one query and fetches the page with another, so a filter
that probes other tables for every candidate row (the retention report's "no recent activity")
is evaluated twice. Here the page query carries the total, `COUNT(*) OVER ()`, and the count
query runs only when the page asked for is past the end.
"""

from typing import Any

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Window

TOTAL = "rows_in_all"


def with_total(queryset):
    """Annotate each row with how many rows the whole queryset has (read by OnePassPaginator)."""
    return queryset.annotate(**{TOTAL: Window(Count("pk"))})


class OnePassPaginator(Paginator):
    """A paginator for django-tables2 tables over a `with_total` queryset."""

    object_list: Any  # django-tables2's TableQuerysetData (untyped), whose slice has the queryset as .data

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        bottom = (number - 1) * self.per_page
        rows = self.object_list[bottom : bottom + self.per_page]
        records = list(rows.data)  # evaluated once; the table iterates the same cached rows
        if records:
            self._learn_count(getattr(records[0], TOTAL))
        elif number > 1 or not self.allow_empty_first_page:
            raise EmptyPage(self.error_messages["no_results"])
        else:
            self._learn_count(0)
        return self._get_page(rows, number, self)  # type: ignore[attr-defined]  # Django's hook; not in django-stubs

    def _learn_count(self, total):
        self.__dict__["count"] = total  # fills the cached_property
        table_data = getattr(self.object_list, "data", None)
        if table_data is not None:
            table_data._length = total  # so django-tables2 does not count again
