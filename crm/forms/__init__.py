"""Forms, one module per area: base (shared widgets), records, logging, imports."""
from .base import BootstrapFormMixin
from .records import OrganisationForm

__all__ = ["BootstrapFormMixin", "OrganisationForm"]
