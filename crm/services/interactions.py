"""Writes to the contact history: the quick log (an interaction, plus optionally a
follow-up and a favour, saved together or not at all)."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from crm.models import Interaction
from crm.services.followups import create_followup

#: The quick log's extra kind: a favour is stored as a Favour plus a note interaction.
FAVOUR = "favour"


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    """Re-key a model's errors (estimated_value -> favour_value) so the form can show them by its fields."""
    if not hasattr(error, "error_dict"):
        return error
    renames = {"estimated_value": "value", "due_date": "due"}
    return ValidationError({
        (key if key == "__all__" else f"{prefix}{renames.get(key, key)}"): messages
        for key, messages in error.message_dict.items()
    })


@transaction.atomic
def log_interaction(
    *, user, organisation=None, contact=None, kind, occurred_at, summary, outcome="",
    direction=Interaction.Direction.OUTBOUND, followup=None, favour=None,
) -> Interaction:
    """Log one interaction, with an optional follow-up and favour, atomically.

    The organisation defaults to the contact's so the history shows on both pages.
    `followup` is a dict of due_date, title (defaults to "Follow up: <summary>") and
    assignee (defaults to the user); `favour` a dict of direction, description,
    estimated_value, status and optional occurred_on. Raises ValidationError (keys
    prefixed followup_/favour_ for those parts) and saves nothing if any part is invalid.
    """
    if kind == FAVOUR:
        if not favour:
            raise ValidationError({"favour_description": "Describe the favour."})
        kind = Interaction.Kind.NOTE
    if followup and not user.has_perm("crm.add_followup"):
        raise PermissionDenied("You may not add follow-ups.")
    if favour and not user.has_perm("partners.add_favour"):
        raise PermissionDenied("You may not record favours.")
    if organisation is None and contact is not None and contact.organisation_id:
        organisation = contact.organisation
    if favour and organisation is None:
        raise ValidationError({"organisation": "A favour needs an organisation: choose one."})

    interaction = Interaction(
        organisation=organisation, contact=contact, kind=kind, occurred_at=occurred_at,
        summary=(summary or "").strip(), outcome=outcome or "", direction=direction or "", logged_by=user,
    )
    interaction.full_clean()
    interaction.save()

    recorded = None
    if favour:
        from partners.services import record_favour

        fields = {"occurred_on": occurred_at.date() if occurred_at else None, **favour}
        try:
            recorded = record_favour(user=user, organisation=organisation, contact=contact, **fields)
        except ValidationError as error:
            raise _prefixed(error, "favour_") from error

    if followup:
        fields = dict(followup)
        fields["title"] = (fields.get("title") or "").strip() or f"Follow up: {interaction.summary}"[:300]
        if fields.get("assignee") is None:
            fields["assignee"] = user
        if recorded is not None:
            fields.setdefault("favour", recorded)
        try:
            interaction.created_followup = create_followup(
                user=user, organisation=organisation, contact=contact, interaction=interaction, **fields,
            )
        except ValidationError as error:
            raise _prefixed(error, "followup_") from error
    else:
        interaction.created_followup = None
    interaction.created_favour = recorded
    return interaction
