"""The core's merge hooks: what of the core's follows a contact or organisation merged into
another (interactions, follow-ups, tags, an organisation's people). Registered in CrmConfig.ready().

Import batches are left as they are: a batch's undo deletes the ids it created (a merged
record is already gone, the rows it brought now sit on the kept record and go with the undo as
they should) and refuses when a record it changed has since been deleted.
"""

from __future__ import annotations

from crm.merging import move_fk, move_fk_back, move_fk_back_with_history, move_fk_with_history
from crm.models import Contact, FollowUp, Interaction
from crm.registry import MergeHook, register_merge_hook


def fk_hook(name: str, model_label: str, model, field: str, label: str, *, history: bool, order: int = 50):
    """A hook that moves `model.field` from the merged record to the kept one (the apps above the
    core use it for their own foreign keys to contacts and organisations too)."""

    def preview(losing, keeping) -> dict[str, int]:
        return {label: model._base_manager.filter(**{field: losing.pk}).count()}

    def move(losing, keeping, resolutions) -> dict:
        queryset = model._base_manager.filter(**{field: losing.pk})
        reason = f"merged: #{losing.pk} into #{keeping.pk}"
        if history:
            return {"ids": move_fk_with_history(queryset, field, keeping.pk, reason=reason)}
        return {"ids": move_fk(queryset, field, keeping.pk)}

    def undo(losing, keeping, record) -> None:
        ids = record.get("ids", [])
        if history:
            reason = f"merge undone: #{losing.pk} back from #{keeping.pk}"
            move_fk_back_with_history(model, ids, field, keeping.pk, losing.pk, reason=reason)
        else:
            move_fk_back(model, ids, field, keeping.pk, losing.pk)

    return MergeHook(name=name, model=model_label, preview=preview, move=move, undo=undo, order=order)


def _tags_hook(model_label: str) -> MergeHook:
    """The kept record gets the merged one's tags too; undo takes back those it did not have."""

    def preview(losing, keeping) -> dict[str, int]:
        return {"tags": losing.tags.exclude(pk__in=keeping.tags.values("pk")).count()}

    def move(losing, keeping, resolutions) -> dict:
        added = list(losing.tags.exclude(pk__in=keeping.tags.values("pk")).values_list("pk", flat=True))
        keeping.tags.add(*added)
        return {"added": added}

    def undo(losing, keeping, record) -> None:
        keeping.tags.remove(*record.get("added", []))

    return MergeHook(name="crm.tags", model=model_label, preview=preview, move=move, undo=undo, order=90)


def register() -> None:
    for model_label, field in (("crm.contact", "contact_id"), ("crm.organisation", "organisation_id")):
        register_merge_hook(fk_hook("crm.interactions", model_label, Interaction, field, "interactions", history=False))
        register_merge_hook(fk_hook("crm.followups", model_label, FollowUp, field, "follow-ups", history=True))
        register_merge_hook(_tags_hook(model_label))
    # An organisation's people follow it (re-parented; people who are the same person are then
    # found as duplicates of each other: same name in the same organisation).
    register_merge_hook(
        fk_hook("crm.contacts", "crm.organisation", Contact, "organisation_id", "contacts", history=True)
    )
