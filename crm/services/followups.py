"""Writes to follow-ups: create, complete, snooze, reassign, and the calendar feed token."""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import CalendarFeed, FollowUp, Interaction

#: Kinds a user may log when completing a follow-up with an outcome.
COMPLETION_KINDS = (Interaction.Kind.CALL, Interaction.Kind.NOTE)


@transaction.atomic
def create_followup(*, user=None, **fields) -> FollowUp:
    """Create a follow-up, validated as a form would; assigned to its creator by default."""
    fields.setdefault("assignee", user)
    followup = FollowUp(created_by=user, **fields)
    followup.full_clean()
    followup.save()
    return followup


@transaction.atomic
def create_followups(followups: list[FollowUp], *, user=None) -> list[FollowUp]:
    """Create many follow-ups at once (planning an event asks thousands of sponsors), with
    `create_followup`'s rules in a fixed number of queries: a title, a due date, assigned to
    the creator by default; a history row each. Nothing is written when one is refused."""
    from crm.bulk import insert_history, insert_rows, row_of

    errors = []
    for number, followup in enumerate(followups, start=1):
        followup.created_by = user
        if followup.assignee_id is None and user is not None:
            followup.assignee = user
        followup.title = (followup.title or "").strip()
        if not followup.title or len(followup.title) > 300:
            errors.append(f"Follow-up {number}: say what to do (up to 300 characters).")
        elif not isinstance(followup.due_date, datetime.date):
            errors.append(f"Follow-up {number}: give a due date.")
        elif followup.status not in FollowUp.Status.values:
            errors.append(f"Follow-up {number}: “{followup.status}” is not a status.")
    if errors:
        raise ValidationError(errors[:20])
    now = timezone.now()
    for followup in followups:
        followup.created_at = followup.updated_at = now
    rows = [row_of(f) for f in followups]
    for followup, row, pk in zip(followups, rows, insert_rows(FollowUp, rows, returning=True)):
        followup.pk = row["id"] = pk
    insert_history(FollowUp, rows, user=user, date=now)
    return followups


@transaction.atomic
def update_followup(followup: FollowUp, *, user=None) -> FollowUp:
    """Save edits to a follow-up, validated as a form would."""
    followup.full_clean()
    followup.save()
    return followup


def _require_open(followup: FollowUp) -> None:
    if followup.status != FollowUp.Status.OPEN:
        raise ValidationError("This follow-up is already closed.")


@transaction.atomic
def complete_followup(followup: FollowUp, *, user, outcome: str = "", kind: str = "call") -> Interaction | None:
    """Mark a follow-up done; an outcome is also logged as an interaction on the same record.

    `followup.interaction` is the interaction the follow-up came from, so the new one is not
    stored there: it shows on the organisation's timeline instead. Returns the new interaction.
    """
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    _require_open(followup)
    outcome = (outcome or "").strip()
    interaction = None
    if outcome:
        if kind not in COMPLETION_KINDS:
            raise ValidationError({"kind": "Choose call or note."})
        if not (followup.organisation_id or followup.contact_id):
            raise ValidationError(
                {"outcome": "This follow-up has no organisation or contact to log the outcome against."}
            )
        interaction = Interaction(
            organisation_id=followup.organisation_id,
            contact_id=followup.contact_id,
            kind=kind,
            summary=followup.title[:300],
            outcome=outcome,
            logged_by=user,
            occurred_at=timezone.now(),
        )
        if kind == Interaction.Kind.NOTE:
            interaction.direction = Interaction.Direction.NONE
        interaction.full_clean()
        interaction.save()
    followup.status = FollowUp.Status.DONE
    followup.completed_at = timezone.now()
    followup.save()
    return interaction


@transaction.atomic
def snooze_followup(followup: FollowUp, *, until: datetime.date, user=None) -> FollowUp:
    """Move an open follow-up's due date; never into the past."""
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    _require_open(followup)
    if until is None:
        raise ValidationError({"until": "Choose a date."})
    if until < timezone.localdate():
        raise ValidationError({"until": "Choose today or a later date, not one in the past."})
    followup.due_date = until
    followup.save()
    return followup


def assignable_users():
    """Active users who can see or work on follow-ups (by group or directly)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    perm_q = Q(content_type__app_label="crm", codename__in=["change_followup", "view_followup"])
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(perm_q)
    User = get_user_model()
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(user_permissions__in=perms) | Q(groups__permissions__in=perms))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


@transaction.atomic
def reassign_followup(followup: FollowUp, *, assignee, user=None) -> FollowUp:
    """Give an open follow-up to another active user who can work with follow-ups."""
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    _require_open(followup)
    if assignee is None or not assignable_users().filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": "Choose an active user who can see follow-ups."})
    followup.assignee = assignee
    followup.save()
    return followup


@transaction.atomic
def reset_calendar_feed(*, user) -> CalendarFeed:
    """Create the user's feed or give it a new secret token; the old URL stops working."""
    token = secrets.token_urlsafe(32)
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=user, defaults={"token": token})
    if not created:
        feed.token = token
        feed.save(update_fields=["token"])
    return feed
