"""The quick log's write: an interaction, optionally a favour and a follow-up, all or nothing.

The favour is why this lives above the core: the core's log_interaction knows
nothing of partners, so the quick log records the favour (partners.services) and
hands it to the follow-up it creates.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from crm.models import Contact, Interaction
from crm.services.interactions import log_interaction, prefixed
from crm.services.records import save_contact
from partners.services import record_favour

#: The quick log's extra kind: a favour is stored as a Favour plus a note interaction.
FAVOUR = "favour"


@transaction.atomic
def log_quick_entry(
    *,
    user,
    organisation=None,
    contact=None,
    new_contact=None,
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
    favour part are keyed favour_<field>. `new_contact` (first_name, last_name, email, phone)
    adds someone not yet in the CRM, at `organisation`, and logs the entry with them; its errors
    are keyed new_<field>. The interaction carries `created_followup`, `created_favour` and
    `created_contact` so the page can say what was saved.
    """
    created_contact = None
    if new_contact:
        if contact is not None:
            raise ValidationError({"contact": "Choose a contact or add a new one, not both."})
        if not user.has_perm("crm.add_contact"):
            raise PermissionDenied("You may not add contacts.")
        fields = {key: new_contact.get(key, "") for key in ("first_name", "last_name", "email", "phone")}
        try:
            created_contact = save_contact(Contact(**fields, organisation=organisation, source="Quick log"), user=user)
        except ValidationError as error:
            raise prefixed(error, "new_") from error
        contact = created_contact
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
    interaction.created_contact = created_contact
    return interaction
