"""What the duplicates app adds to the core through crm.registry (called from DuplicatesConfig.ready)."""

from __future__ import annotations

from django.db.models import Q

from crm.registry import (
    DemoStep,
    MergeHook,
    Panel,
    register_demo_step,
    register_duplicate_check,
    register_erasure_hook,
    register_event_type,
    register_merge_hook,
    register_panel,
    register_role_rules,
)


def _drop_candidates(losing, keeping, resolutions) -> dict:
    """A merged record's candidate pairs go with it (the next search finds what is left)."""
    from duplicates.models import CandidatePair

    CandidatePair.objects.filter(
        Q(contact_a_id=losing.pk) | Q(contact_b_id=losing.pk)
        if losing._meta.model_name == "contact"
        else Q(organisation_a_id=losing.pk) | Q(organisation_b_id=losing.pk)
    ).delete()
    # The pair of the two merged records is settled; pairs of the kept record may be stale too.
    return {}


def _forget_merges_on_erasure(contact, user) -> None:
    """An erased person's details must not survive in a merge kept for undo: the merges that
    kept or merged them are deleted (they can no longer be undone)."""
    from duplicates.models import Merge, Target

    ids = [
        m.pk
        for m in Merge.objects.filter(target=Target.CONTACTS)
        if contact.pk == m.kept_id or contact.pk in m.merged_ids
    ]
    Merge.objects.filter(pk__in=ids).delete()


def register() -> None:
    from duplicates import checks, demo

    # Staff clean duplicates (merge, "not duplicates", find now); the rules are the organiser's.
    register_role_rules("duplicates", staff_editable={"candidatepair", "notduplicate", "merge"})
    for model in ("crm.contact", "crm.organisation"):
        register_merge_hook(
            MergeHook(
                name="duplicates.candidates",
                model=model,
                preview=lambda losing, keeping: {},
                move=_drop_candidates,
                undo=lambda losing, keeping, record: None,
                order=200,
            )
        )
    register_erasure_hook("duplicates.merges", _forget_merges_on_erasure)
    register_event_type("contact.merged", "Contacts merged")
    register_event_type("organisation.merged", "Organisations merged")
    register_duplicate_check("crm.contact", "duplicates", checks.contact_check)
    register_duplicate_check("crm.organisation", "duplicates", checks.organisation_check)
    for slot, target in (("contact", "contacts"), ("organisation", "organisations")):
        register_panel(
            Panel(
                slot="record_actions",
                name=f"duplicates.{slot}",
                template="duplicates/_record_action.html",
                context=lambda record, request, target=target, slot=slot: (
                    {"target": target, "pk": record.pk} if record._meta.model_name == slot else None
                ),
                permission="duplicates.add_merge",
                order=40,
            )
        )
    register_panel(
        Panel(
            slot="list_actions",
            name="duplicates.find",
            template="duplicates/_list_action.html",
            context=lambda target, request: {"target": target} if target in ("contacts", "organisations") else None,
            permission="duplicates.view_candidatepair",
            order=120,
        )
    )
    register_demo_step(DemoStep(name="duplicates", run=demo.run, order=90))
    from duplicates import api

    api.register()
