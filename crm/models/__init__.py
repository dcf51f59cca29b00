"""The core domain, one module per concept (as django.contrib.auth splits its own)."""
from .tags import Tag
from .organisations import Organisation, Role, Sector
from .contacts import Contact, LawfulBasis
from .events import Event
from .interactions import Interaction
from .followups import FollowUp
from .imports import ImportBatch, ImportMapping
from .preferences import CalendarFeed, ReminderDigest

__all__ = [
    "Tag", "Organisation", "Role", "Sector", "Contact", "LawfulBasis", "Event",
    "Interaction", "FollowUp", "ImportBatch", "ImportMapping", "CalendarFeed",
    "ReminderDigest",
]
