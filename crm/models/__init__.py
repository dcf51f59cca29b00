"""The core domain, one module per concept (as django.contrib.auth splits its own)."""

from .contacts import Contact, LawfulBasis
from .events import Event
from .followups import FollowUp
from .imports import ImportBatch, ImportMapping
from .interactions import Interaction
from .organisations import Organisation, Role, Sector
from .preferences import CalendarFeed, ReminderDigest
from .tags import Tag

__all__ = [
    "CalendarFeed",
    "Contact",
    "Event",
    "FollowUp",
    "ImportBatch",
    "ImportMapping",
    "Interaction",
    "LawfulBasis",
    "Organisation",
    "ReminderDigest",
    "Role",
    "Sector",
    "Tag",
]
