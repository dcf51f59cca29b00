"""Writes to events."""

from django.db import transaction

from crm.models import Event


@transaction.atomic
def save_event(event: Event, *, user=None) -> Event:
    """Create or update an event; the model's rules (unique name, targets not negative) apply on every path."""
    event.full_clean()
    event.save()
    return event
