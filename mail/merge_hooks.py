"""What follows a contact merged into another: the emails filed on them and their mail-merge
rows. Registered from mail.hooks.register().

A message filed on both people (they were both on it) is filed once on the kept one: the merged
person's filing and its interaction are deleted and kept with the merge, so undo puts them back.
Runs before the core moves interactions, so the deleted duplicates are not moved first.
"""

from __future__ import annotations

from crm.merging import move_fk, move_fk_back, restore, snapshot
from crm.models import Interaction
from crm.registry import MergeHook, register_merge_hook
from mail.models import FiledEmail, MailMergeRecipient


def _preview(losing, keeping) -> dict[str, int]:
    return {"emails": FiledEmail.objects.filter(contact_id=losing.pk).count()}


def _move(losing, keeping, resolutions) -> dict:
    both = FiledEmail.objects.filter(contact_id=losing.pk, message__filings__contact_id=keeping.pk)
    interaction_ids = list(both.values_list("interaction_id", flat=True))
    deleted = []
    if interaction_ids:
        deleted = snapshot(Interaction.objects.filter(pk__in=interaction_ids)) + snapshot(
            FiledEmail.objects.filter(interaction_id__in=interaction_ids)
        )
        Interaction.objects.filter(pk__in=interaction_ids).delete()  # cascades to the filings
    filings = move_fk(FiledEmail.objects.filter(contact_id=losing.pk), "contact_id", keeping.pk)

    twice = MailMergeRecipient.objects.filter(
        contact_id=losing.pk, merge_id__in=MailMergeRecipient.objects.filter(contact_id=keeping.pk).values("merge_id")
    )
    deleted_recipients = snapshot(twice)
    twice.delete()
    recipients = move_fk(MailMergeRecipient.objects.filter(contact_id=losing.pk), "contact_id", keeping.pk)
    return {
        "filings": filings,
        "recipients": recipients,
        "deleted": deleted,
        "deleted_recipients": deleted_recipients,
    }


def _undo(losing, keeping, record) -> None:
    move_fk_back(FiledEmail, record.get("filings", []), "contact_id", keeping.pk, losing.pk)
    move_fk_back(MailMergeRecipient, record.get("recipients", []), "contact_id", keeping.pk, losing.pk)
    restore(record.get("deleted", []))
    restore(record.get("deleted_recipients", []))


def register() -> None:
    register_merge_hook(
        MergeHook(name="mail.emails", model="crm.contact", preview=_preview, move=_move, undo=_undo, order=20)
    )
