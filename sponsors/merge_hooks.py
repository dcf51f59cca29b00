"""What follows an organisation merged into another: its pledges (with their benefits, tickets and
invoices, which hang off the pledge) and in-kind contributions. Registered in SponsorsConfig.ready().

Two live pledges of the two organisations for one event are a conflict the merge screen asks
about: keep both, or keep one and withdraw the other (a stage move, recorded as any other).
"""

from __future__ import annotations

from collections import defaultdict

from django.utils.dateparse import parse_datetime

from crm.merging import acting_user, move_fk_back_with_history, move_fk_with_history, note_history
from crm.registry import MergeConflict, MergeHook, register_merge_hook
from sponsors.models import CLOSED_LOST_STAGES, InKindContribution, Pledge, PledgeStageChange, Stage
from sponsors.services import move_pledge

WITHDRAWN_REASON = "Duplicate: the organisations were merged."


def _live_pledges_by_event(losing, keeping) -> dict[int, list[Pledge]]:
    pledges = (
        Pledge.objects.filter(organisation_id__in=[losing.pk, keeping.pk])
        .exclude(stage__in=CLOSED_LOST_STAGES)
        .select_related("event")
        .order_by("event_id", "id")
    )
    by_event: dict[int, list[Pledge]] = defaultdict(list)
    for pledge in pledges:
        by_event[pledge.event_id].append(pledge)
    return {
        event: found
        for event, found in by_event.items()
        if {p.organisation_id for p in found} == {losing.pk, keeping.pk}
    }


def _conflicts(losing, keeping) -> list[MergeConflict]:
    conflicts = []
    for event_id, pledges in _live_pledges_by_event(losing, keeping).items():
        choices = [("both", "Keep both pledges")]
        others = "the other" if len(pledges) == 2 else "the others"
        for pledge in pledges:
            whose = "kept" if pledge.organisation_id == keeping.pk else "merged"
            label = (
                f"Keep pledge #{pledge.pk} ({whose} organisation, £{pledge.amount:,.2f}, "
                f"{pledge.get_stage_display()}) and withdraw {others}"
            )
            choices.append((str(pledge.pk), label))
        conflicts.append(
            MergeConflict(
                key=f"sponsors.pledge.event-{event_id}",
                question=f"Both organisations have a pledge for {pledges[0].event.name}. Which is kept?",
                choices=tuple(choices),
            )
        )
    return conflicts


def _preview_pledges(losing, keeping) -> dict[str, int]:
    return {"pledges": Pledge.objects.filter(organisation_id=losing.pk).count()}


def _move_pledges(losing, keeping, resolutions) -> dict:
    withdrawn = []
    for event_id, pledges in _live_pledges_by_event(losing, keeping).items():
        choice = resolutions.get(f"sponsors.pledge.event-{event_id}", "both")
        if choice == "both":
            continue
        for pledge in pledges:
            if str(pledge.pk) == choice:
                continue
            before = {
                "id": pledge.pk,
                "stage": pledge.stage,
                "stage_changed_at": pledge.stage_changed_at.isoformat(),
                "lost_reason": pledge.lost_reason,
            }
            move_pledge(pledge, Stage.WITHDRAWN, user=acting_user.get(), reason=WITHDRAWN_REASON)
            before["change_id"] = (
                PledgeStageChange.objects.filter(pledge_id=pledge.pk).order_by("-id").values_list("pk", flat=True)[0]
            )
            withdrawn.append(before)
    reason = f"merged: organisation #{losing.pk} into #{keeping.pk}"
    ids = move_fk_with_history(
        Pledge.objects.filter(organisation_id=losing.pk), "organisation_id", keeping.pk, reason=reason
    )
    return {"ids": ids, "withdrawn": withdrawn}


def _undo_pledges(losing, keeping, record) -> None:
    reason = f"merge undone: back to organisation #{losing.pk}"
    move_fk_back_with_history(Pledge, record.get("ids", []), "organisation_id", keeping.pk, losing.pk, reason=reason)
    for before in record.get("withdrawn", []):
        pledge = Pledge.objects.filter(pk=before["id"]).first()
        if pledge is None or pledge.stage != Stage.WITHDRAWN:
            continue  # moved on since the merge: leave it where a person put it
        PledgeStageChange.objects.filter(pk=before.get("change_id")).delete()
        pledge.stage = before["stage"]
        pledge.stage_changed_at = parse_datetime(before["stage_changed_at"]) or pledge.stage_changed_at
        pledge.lost_reason = before["lost_reason"]
        note_history(pledge, reason)
        pledge.save()


def _preview_in_kind(losing, keeping) -> dict[str, int]:
    return {"in-kind contributions": InKindContribution.objects.filter(organisation_id=losing.pk).count()}


def _move_in_kind(losing, keeping, resolutions) -> dict:
    queryset = InKindContribution.objects.filter(organisation_id=losing.pk)
    return {"ids": move_fk_with_history(queryset, "organisation_id", keeping.pk, reason=f"merged into #{keeping.pk}")}


def _undo_in_kind(losing, keeping, record) -> None:
    move_fk_back_with_history(
        InKindContribution, record.get("ids", []), "organisation_id", keeping.pk, losing.pk, reason="merge undone"
    )


def register() -> None:
    register_merge_hook(
        MergeHook(
            name="sponsors.pledges",
            model="crm.organisation",
            preview=_preview_pledges,
            conflicts=_conflicts,
            move=_move_pledges,
            undo=_undo_pledges,
            order=30,
        )
    )
    register_merge_hook(
        MergeHook(
            name="sponsors.in_kind",
            model="crm.organisation",
            preview=_preview_in_kind,
            move=_move_in_kind,
            undo=_undo_in_kind,
            order=30,
        )
    )
