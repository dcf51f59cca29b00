"""django-tables2 tables, one module per area."""

from .events import EventTable
from .records import ContactTable, OrganisationTable

__all__ = ["ContactTable", "EventTable", "OrganisationTable"]
