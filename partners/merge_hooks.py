"""What follows a contact or organisation merged into another: favours, and an organisation's
partner profile. Registered in PartnersConfig.ready().

An organisation has one partner profile at most: when both have one, the merge screen asks
which is kept; the other is deleted and kept with the merge, so undo puts it back.
"""

from __future__ import annotations

from crm.merging import move_fk, move_fk_back, move_fk_back_with_history, move_fk_with_history, restore, snapshot
from crm.registry import MergeConflict, MergeHook, register_merge_hook
from partners.models import Favour, PartnerProfile

PROFILE_KEY = "partners.profile"


def _fk_hook(model_label: str, field: str) -> MergeHook:
    def preview(losing, keeping) -> dict[str, int]:
        return {"favours": Favour.objects.filter(**{field: losing.pk}).count()}

    def move(losing, keeping, resolutions) -> dict:
        queryset = Favour.objects.filter(**{field: losing.pk})
        return {"ids": move_fk_with_history(queryset, field, keeping.pk, reason=f"merged into #{keeping.pk}")}

    def undo(losing, keeping, record) -> None:
        move_fk_back_with_history(Favour, record.get("ids", []), field, keeping.pk, losing.pk, reason="merge undone")

    return MergeHook(name="partners.favours", model=model_label, preview=preview, move=move, undo=undo, order=40)


def _profiles(losing, keeping) -> dict[int, PartnerProfile]:
    return {p.organisation_id: p for p in PartnerProfile.objects.filter(organisation_id__in=[losing.pk, keeping.pk])}


def _profile_conflicts(losing, keeping) -> list[MergeConflict]:
    found = _profiles(losing, keeping)
    if len(found) < 2:
        return []
    kept, merged = found[keeping.pk], found[losing.pk]
    return [
        MergeConflict(
            key=PROFILE_KEY,
            question="Both organisations have a partner profile. Which is kept?",
            choices=(
                ("kept", f"The kept organisation's ({kept.get_offer_type_display()}, {kept.get_status_display()})"),
                ("merged", f"The merged one's ({merged.get_offer_type_display()}, {merged.get_status_display()})"),
            ),
        )
    ]


def _preview_profile(losing, keeping) -> dict[str, int]:
    return {"partner profiles": PartnerProfile.objects.filter(organisation_id=losing.pk).count()}


def _move_profile(losing, keeping, resolutions) -> dict:
    found = _profiles(losing, keeping)
    if losing.pk not in found:
        return {}
    if keeping.pk in found:
        if resolutions.get(PROFILE_KEY, "kept") == "kept":
            rows = snapshot(PartnerProfile.objects.filter(pk=found[losing.pk].pk))
            found[losing.pk].delete()
            return {"deleted": rows}
        rows = snapshot(PartnerProfile.objects.filter(pk=found[keeping.pk].pk))
        found[keeping.pk].delete()
        return {
            "deleted": rows,
            "ids": move_fk(PartnerProfile.objects.filter(organisation_id=losing.pk), "organisation_id", keeping.pk),
        }
    return {"ids": move_fk(PartnerProfile.objects.filter(organisation_id=losing.pk), "organisation_id", keeping.pk)}


def _undo_profile(losing, keeping, record) -> None:
    move_fk_back(PartnerProfile, record.get("ids", []), "organisation_id", keeping.pk, losing.pk)
    restore(record.get("deleted", []))


def register() -> None:
    register_merge_hook(_fk_hook("crm.organisation", "organisation_id"))
    register_merge_hook(_fk_hook("crm.contact", "contact_id"))
    register_merge_hook(
        MergeHook(
            name="partners.profile",
            model="crm.organisation",
            preview=_preview_profile,
            conflicts=_profile_conflicts,
            move=_move_profile,
            undo=_undo_profile,
            order=40,
        )
    )
