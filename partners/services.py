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
