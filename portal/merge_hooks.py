"""The portal's rows follow a contact merged into another: the sponsor's personal links and the
signed agreements name the contact they were sent to (crm.registry merge hooks)."""

from crm.merge_hooks import fk_hook
from crm.registry import register_merge_hook
from portal.models import PortalLink, SignedAgreement


def register() -> None:
    register_merge_hook(fk_hook("portal.links", "crm.contact", PortalLink, "contact_id", "portal links", history=True))
    # Only the pointer to the contact moves: the signed document, its signer and hash stay as signed.
    register_merge_hook(
        fk_hook("portal.agreements", "crm.contact", SignedAgreement, "contact_id", "signed agreements", history=False)
    )
