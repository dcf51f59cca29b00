"""Erasure on request (UK GDPR Art. 17): anonymise a person, keep the organisation's records whole."""

from django.db import transaction

from crm import registry
from crm.models import Contact, FollowUp, ImportBatch, Interaction
from partners.models import Favour

ERASED = "[erased]"
ERASED_REASON = "erased on request"
PERSONAL_FIELDS = ("salutation", "first_name", "last_name", "email", "phone", "job_title", "notes", "consent_date")


def erased_values(contact_id: int) -> dict:
    return {
        "salutation": "",
        "first_name": "Erased",
        "last_name": f"person #{contact_id}",
        "email": "",
        "phone": "",
        "job_title": "",
        "notes": "",
        "consent_date": None,
    }


@transaction.atomic
def erase_contact(contact: Contact, *, user, reason: str = "") -> Contact:
    """Anonymise the person everywhere we hold their details, in one transaction.

    Interactions and follow-ups stay (they are the organisation's history) with their text blanked;
    favours are unlinked from the person but keep their organisation and value, and pledges and
    in-kind gifts are never touched, so every total stays the same. The person's stored history
    versions are deleted (they hold the old details) and one new version records the erasure.
    """
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    pk = contact.pk

    Interaction.objects.filter(contact_id=pk).update(summary=ERASED, outcome="")

    followup_ids = list(FollowUp.objects.filter(contact_id=pk).values_list("pk", flat=True))
    FollowUp.objects.filter(pk__in=followup_ids).update(title=ERASED, notes="")
    FollowUp.history.filter(id__in=followup_ids).update(title=ERASED, notes="")

    for favour in Favour.objects.filter(contact_id=pk):
        favour.contact = None
        favour._change_reason = ERASED_REASON
        if user is not None:
            favour._history_user = user
        favour.save(update_fields=["contact", "updated_at"])

    _scrub_import_batches(pk)
    # What other feature apps hold about the person (emails and their attachments...).
    for hook in registry.erasure_hooks():
        hook(contact, user)

    contact.history.all().delete()
    for name, value in erased_values(pk).items():
        setattr(contact, name, value)
    contact.do_not_contact = True
    contact._change_reason = f"{ERASED_REASON}: {reason}"[:100] if reason.strip() else ERASED_REASON
    if user is not None:
        contact._history_user = user
    contact.save()
    contact.tags.clear()
    return contact


def _scrub_import_batches(contact_id: int) -> None:
    """An import that changed the person kept their previous values for undo: blank those too."""
    blank = erased_values(contact_id)
    for batch in ImportBatch.objects.filter(target=ImportBatch.Target.CONTACTS):
        entries = batch.changed_records or []
        touched = False
        for entry in entries:
            if entry.get("model") == "crm.contact" and entry.get("id") == contact_id:
                previous = entry.get("previous") or {}
                for name in previous:
                    if name in blank:
                        previous[name] = blank[name]
                touched = True
        if touched:
            batch.save(update_fields=["changed_records"])
