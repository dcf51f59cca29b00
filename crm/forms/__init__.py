"""Forms, one module per area: base (shared widgets), records, and the areas' own modules."""

from .base import BootstrapFormMixin
from .events import EventForm
from .records import ContactForm, OrganisationForm

__all__ = ["BootstrapFormMixin", "ContactForm", "EventForm", "OrganisationForm"]
