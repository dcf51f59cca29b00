"""Writes to pledges and in-kind offers. Every stage move goes through `move_pledge`."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sponsors.models import CLOSED_LOST_STAGES, BenefitDelivery, Pledge, PledgeStageChange, Stage


@transaction.atomic
def create_pledge(*, user=None, changed_at=None, **fields) -> Pledge:
    """Create a pledge and record its first stage as a change from nothing."""
    pledge = Pledge(**fields)
    pledge.stage_changed_at = changed_at or timezone.now()
    _check_lost_reason(pledge.stage, pledge.lost_reason)
    pledge.full_clean()
    pledge.save()
    PledgeStageChange.objects.create(
        pledge=pledge, from_stage="", to_stage=pledge.stage, changed_by=user, changed_at=pledge.stage_changed_at,
    )
    sync_benefits(pledge)
    return pledge


@transaction.atomic
def move_pledge(pledge: Pledge, to_stage: str, *, user=None, reason: str = "", note: str = "",
                changed_at=None) -> Pledge:
    """Move a pledge to another stage, recording who moved it and when.

    Declining or withdrawing needs a reason; moving to the stage it is already in
    changes nothing.
    """
    to_stage = Stage(to_stage)
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if pledge.stage == to_stage:
        return pledge
    _check_lost_reason(to_stage, reason)
    changed_at = changed_at or timezone.now()
    PledgeStageChange.objects.create(
        pledge=pledge, from_stage=pledge.stage, to_stage=to_stage, changed_by=user,
        changed_at=changed_at, note=note or reason,
    )
    pledge.stage = to_stage
    pledge.stage_changed_at = changed_at
    if to_stage in CLOSED_LOST_STAGES and reason:
        pledge.lost_reason = reason
    pledge.save()
    return pledge


def _check_lost_reason(stage: str, reason: str) -> None:
    if stage in CLOSED_LOST_STAGES and not (reason or "").strip():
        raise ValidationError({"lost_reason": "Say why the pledge was declined or withdrawn."})


def sync_benefits(pledge: Pledge) -> None:
    """Make sure each benefit the pledge's tier promises has a delivery row."""
    if pledge.tier_id is None:
        return
    existing = set(pledge.benefits.values_list("benefit", flat=True))
    BenefitDelivery.objects.bulk_create(
        BenefitDelivery(pledge=pledge, benefit=b) for b in pledge.tier.benefit_list() if b not in existing
    )
