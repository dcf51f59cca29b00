"""Writes to the core domain, one module per area. Views, the admin, imports and
commands all call these, so every path applies the same rules."""

from .events import save_event
from .records import save_contact, save_organisation

__all__ = ["save_contact", "save_event", "save_organisation"]
