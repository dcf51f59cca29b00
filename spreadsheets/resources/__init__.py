"""django-import-export resources: imports (base, one module per target) and exports."""

from .base import ImportResource
from .contacts import ContactResource
from .interactions import InteractionResource
from .organisations import OrganisationResource
from .pledges import PledgeResource
from .targets import RESOURCES, resource_for

__all__ = [
    "RESOURCES",
    "ContactResource",
    "ImportResource",
    "InteractionResource",
    "OrganisationResource",
    "PledgeResource",
    "resource_for",
]
