"""django-import-export resources: imports (base, one module per target) and exports."""
from .base import ImportResource
from .contacts import ContactResource
from .interactions import InteractionResource
from .organisations import OrganisationResource
from .pledges import PledgeResource
from .targets import RESOURCES, resource_for

__all__ = ["ImportResource", "RESOURCES", "resource_for", "ContactResource", "OrganisationResource",
           "PledgeResource", "InteractionResource"]
