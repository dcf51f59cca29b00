"""Writes to the favours ledger and partner profiles."""

from django.db import transaction

from partners.models import Favour


@transaction.atomic
def record_favour(*, user=None, **fields) -> Favour:
    """Log a favour (asked, offered or owed), validated like the form would."""
    favour = Favour(logged_by=user, **fields)
    favour.full_clean()
    favour.save()
    return favour


@transaction.atomic
def update_favour(favour: Favour, *, user=None, **fields) -> Favour:
    """Save edits to a favour (e.g. marking it done or returned), validated like the form."""
    for name, value in fields.items():
        setattr(favour, name, value)
    favour.full_clean()
    favour.save()
    return favour
