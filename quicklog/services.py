"""The quick log's write: an interaction, optionally a favour and a follow-up, all or nothing.

The favour is why this lives above the core: the core's log_interaction knows
nothing of partners, so the quick log records the favour (partners.services) and
hands it to the follow-up it creates.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from crm.models import Interaction
from crm.services.interactions import log_interaction, prefixed
from partners.services import record_favour

#: The quick log's extra kind: a favour is stored as a Favour plus a note interaction.
FAVOUR = "favour"


@transaction.atomic
def log_quick_entry(
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
    favour=None,
) -> Interaction:
    """Log what the quick log's form holds, atomically.

    `favour` is a dict of direction, description, estimated_value, status and optional
    occurred_on; `followup` as for crm.services.interactions.log_interaction. Errors of the
    favour part are keyed favour_<field>. The interaction carries `created_followup` and
    `created_favour` so the page can say what was saved.
    """
    if kind == FAVOUR:
        if not favour:
            raise ValidationError({"favour_description": "Describe the favour."})
        kind = Interaction.Kind.NOTE
    if favour and not user.has_perm("partners.add_favour"):
        raise PermissionDenied("You may not record favours.")
    if organisation is None and contact is not None and contact.organisation_id:
        organisation = contact.organisation
    if favour and organisation is None:
        raise ValidationError({"organisation": "A favour needs an organisation: choose one."})

    recorded = None
    if favour:
        fields = {"occurred_on": occurred_at.date() if occurred_at else None, **favour}
        try:
            recorded = record_favour(user=user, organisation=organisation, contact=contact, **fields)
        except ValidationError as error:
            raise prefixed(error, "favour_") from error
    if followup and recorded is not None:
        followup = {"favour": recorded, **followup}

    interaction = log_interaction(
        user=user,
        organisation=organisation,
        contact=contact,
        kind=kind,
        occurred_at=occurred_at,
        summary=summary,
        outcome=outcome,
        direction=direction,
        followup=followup,
    )
    interaction.created_favour = recorded
    return interaction
