"""django-tables2 tables, one module per area."""
from .records import OrganisationTable

__all__ = ["OrganisationTable"]
