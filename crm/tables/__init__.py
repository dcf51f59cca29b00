"""django-tables2 tables, one module per area."""
from .records import ContactTable, OrganisationTable

__all__ = ["ContactTable", "OrganisationTable"]
