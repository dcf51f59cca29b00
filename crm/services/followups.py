"""Writes to follow-ups: create, complete, snooze, reassign."""
from django.db import transaction

from crm.models import FollowUp


@transaction.atomic
def create_followup(*, user=None, **fields) -> FollowUp:
    """Create a follow-up, validated as a form would; assigned to its creator by default."""
    fields.setdefault("assignee", user)
    followup = FollowUp(created_by=user, **fields)
    followup.full_clean()
    followup.save()
    return followup
