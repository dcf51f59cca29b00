"""Writes to the core domain. Views, the admin, imports and commands call these."""

from django.db import transaction

from crm.models import Contact, Organisation


@transaction.atomic
def save_organisation(organisation: Organisation, *, roles, tags=None, user=None) -> Organisation:
    """Create or update an organisation with its roles and tags in one transaction."""
    organisation.set_roles(roles)
    organisation.full_clean()
    organisation.save()
    if tags is not None:
        organisation.tags.set(tags)
    return organisation


@transaction.atomic
def save_contact(contact: Contact, *, tags=None, user=None) -> Contact:
    """Create or update a contact with its tags in one transaction."""
    contact.full_clean()
    contact.save()
    if tags is not None:
        contact.tags.set(tags)
    return contact
