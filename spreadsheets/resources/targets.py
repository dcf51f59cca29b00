"""The import resource of each target the wizard and import_csv accept."""

from .base import ImportResource
from .contacts import ContactResource
from .interactions import InteractionResource
from .organisations import OrganisationResource
from .pledges import PledgeResource

RESOURCES = {
    "contacts": ContactResource,
    "organisations": OrganisationResource,
    "pledges": PledgeResource,
    "interactions": InteractionResource,
}


def resource_for(target: str) -> ImportResource:
    return RESOURCES[target]()
