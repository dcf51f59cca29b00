"""Writes to the contact history: one interaction, with an optional follow-up, saved together or
not at all. The quick log (quicklog.services) adds a favour on top of this."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from crm.models import Interaction
from crm.services.followups import create_followup


def prefixed(error: ValidationError, prefix: str) -> ValidationError:
    """Re-key a model's errors (estimated_value -> favour_value) so a form can show them by its fields."""
    if not hasattr(error, "error_dict"):
        return error
    renames = {"estimated_value": "value", "due_date": "due"}
    return ValidationError(
        {
            (key if key == "__all__" else f"{prefix}{renames.get(key, key)}"): messages
            for key, messages in error.message_dict.items()
        }
    )


@transaction.atomic
def log_interaction(
    *,
    user,
    organisation=None,
    contact=None,
    kind,
    occurred_at,
    summary,
    outcome="",
    direction=Interaction.Direction.OUTBOUND,
    followup=None,
) -> Interaction:
    """Log one interaction, with an optional follow-up, atomically.

    The organisation defaults to the contact's so the history shows on both pages.
    `followup` is a dict of due_date, title (defaults to "Follow up: <summary>"), assignee
    (defaults to the user) and optionally the pledge or favour it came from. Raises
    ValidationError (keys prefixed followup_ for that part) and saves nothing if any part is invalid.
    """
    if followup and not user.has_perm("crm.add_followup"):
        raise PermissionDenied("You may not add follow-ups.")
    if organisation is None and contact is not None and contact.organisation_id:
        organisation = contact.organisation

    interaction = Interaction(
        organisation=organisation,
        contact=contact,
        kind=kind,
        occurred_at=occurred_at,
        summary=(summary or "").strip(),
        outcome=outcome or "",
        direction=direction or "",
        logged_by=user,
    )
    interaction.full_clean()
    interaction.save()

    interaction.created_followup = None
    if followup:
        fields = dict(followup)
        fields["title"] = (fields.get("title") or "").strip() or f"Follow up: {interaction.summary}"[:300]
        if fields.get("assignee") is None:
            fields["assignee"] = user
        try:
            interaction.created_followup = create_followup(
                user=user,
                organisation=organisation,
                contact=contact,
                interaction=interaction,
                **fields,
            )
        except ValidationError as error:
            raise prefixed(error, "followup_") from error
    return interaction
