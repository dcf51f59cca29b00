"""Writes to pledges and in-kind offers. Every stage move goes through `move_pledge`."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from sponsors.models import (
    CLOSED_LOST_STAGES,
    PLEDGED_STAGES,
    BenefitDelivery,
    InKindContribution,
    Pledge,
    PledgeStageChange,
    SponsorshipTier,
    Stage,
    TicketAllocation,
)


def note_milestones(pledge: Pledge, stage: str, at) -> None:
    """Keep `pledged_at` and `paid_at` the earliest moment the pledge reached those stages.

    Call it with every stage the pledge enters, before saving the pledge.
    """
    if stage in PLEDGED_STAGES and (pledge.pledged_at is None or at < pledge.pledged_at):
        pledge.pledged_at = at
    if stage == Stage.PAID and (pledge.paid_at is None or at < pledge.paid_at):
        pledge.paid_at = at


@transaction.atomic
def create_pledge(*, user=None, changed_at=None, **fields) -> Pledge:
    """Create a pledge and record its first stage as a change from nothing.

    Without an amount, a pledge for a tier is for the tier's price.
    """
    if fields.get("amount") is None:
        fields.pop("amount", None)
        tier = fields.get("tier")
        if tier is None and fields.get("tier_id"):
            tier = SponsorshipTier.objects.get(pk=fields["tier_id"])
        if tier is not None:
            fields["amount"] = tier.price
    pledge = Pledge(**fields)
    pledge.stage_changed_at = changed_at or timezone.now()
    note_milestones(pledge, pledge.stage, pledge.stage_changed_at)
    _check_lost_reason(pledge.stage, pledge.lost_reason)
    pledge.full_clean()
    pledge.save()
    PledgeStageChange.objects.create(
        pledge=pledge,
        from_stage="",
        to_stage=pledge.stage,
        changed_by=user,
        changed_at=pledge.stage_changed_at,
    )
    sync_benefits(pledge)
    return pledge


@transaction.atomic
def move_pledge(
    pledge: Pledge, to_stage: str, *, user=None, reason: str = "", note: str = "", changed_at=None
) -> Pledge:
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
        pledge=pledge,
        from_stage=pledge.stage,
        to_stage=to_stage,
        changed_by=user,
        changed_at=changed_at,
        note=note or reason,
    )
    pledge.stage = to_stage
    pledge.stage_changed_at = changed_at
    note_milestones(pledge, to_stage, changed_at)
    if to_stage in CLOSED_LOST_STAGES and reason:
        pledge.lost_reason = reason
    pledge.save()
    return pledge


def _check_lost_reason(stage: str, reason: str) -> None:
    if stage in CLOSED_LOST_STAGES and not (reason or "").strip():
        raise ValidationError({"lost_reason": "Say why the pledge was declined or withdrawn."})


def sync_benefits(pledge: Pledge) -> None:
    """Make sure each benefit the pledge's tier promises has a delivery row."""
    tier = pledge.tier if pledge.tier_id is not None else None
    if tier is None:
        return
    existing = set(pledge.benefits.values_list("benefit", flat=True))
    BenefitDelivery.objects.bulk_create(
        BenefitDelivery(pledge=pledge, benefit=b) for b in tier.benefit_list() if b not in existing
    )


@transaction.atomic
def update_pledge(pledge: Pledge, *, user=None, **fields) -> Pledge:
    """Save edits to a pledge's details. The stage is changed only by `move_pledge`."""
    fields.pop("stage", None)
    for name, value in fields.items():
        setattr(pledge, name, value)
    if pledge.amount is None and pledge.tier_id:
        pledge.amount = pledge.tier.price
    pledge.full_clean()
    pledge.save()
    sync_benefits(pledge)
    return pledge


#: Which in-kind status may follow which; anything else is refused.
IN_KIND_TRANSITIONS = {
    InKindContribution.Status.OFFERED: (InKindContribution.Status.CONFIRMED, InKindContribution.Status.DECLINED),
    InKindContribution.Status.CONFIRMED: (InKindContribution.Status.DELIVERED, InKindContribution.Status.DECLINED),
    InKindContribution.Status.DELIVERED: (),
    InKindContribution.Status.DECLINED: (),
}


def allowed_in_kind_statuses(item: InKindContribution) -> tuple:
    """The statuses an item may move to next (for buttons and validation alike)."""
    return IN_KIND_TRANSITIONS.get(InKindContribution.Status(item.status), ())


@transaction.atomic
def set_in_kind_status(item: InKindContribution, status: str, *, user=None) -> InKindContribution:
    """Move an in-kind offer along offered → confirmed → delivered (or declined)."""
    Status = InKindContribution.Status
    if status not in Status.values:
        raise ValidationError({"status": f"“{status}” is not an in-kind status."})
    item = InKindContribution.objects.select_for_update().get(pk=item.pk)
    if status not in allowed_in_kind_statuses(item):
        raise ValidationError(
            {
                "status": (
                    f"An in-kind contribution that is {item.get_status_display().lower()} "
                    f"cannot be marked {Status(status).label.lower()}."
                )
            }
        )
    item.status = status
    if item.owner_id is None and user is not None and user.is_authenticated:
        item.owner = user
    item.save()
    return item


@transaction.atomic
def save_in_kind(item: InKindContribution, *, user=None) -> InKindContribution:
    """Create or edit an in-kind offer; new offers start as offered, status moves go
    through `set_in_kind_status`."""
    if item.pk is None:
        item.status = InKindContribution.Status.OFFERED
    else:
        item.status = InKindContribution.objects.values_list("status", flat=True).get(pk=item.pk)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def record_benefit_delivery(
    benefit: BenefitDelivery, *, delivered: bool, delivered_on=None, notes: str = "", user=None
) -> BenefitDelivery:
    """Tick a promised benefit off the pledge's checklist (or back on), with when and a note.

    Delivered without a date means today; a date in the future is refused; not delivered
    clears the date.
    """
    benefit = BenefitDelivery.objects.select_for_update().get(pk=benefit.pk)
    today = timezone.localdate()
    if delivered:
        delivered_on = delivered_on or today
        if delivered_on > today:
            raise ValidationError({"delivered_on": "A benefit cannot have been delivered in the future."})
    else:
        delivered_on = None
    benefit.delivered, benefit.delivered_on, benefit.notes = bool(delivered), delivered_on, (notes or "").strip()
    benefit.full_clean()
    benefit.save()
    return benefit


@transaction.atomic
def allocate_tickets(pledge: Pledge, *, allocated: int, claimed: int = 0, user=None) -> TicketAllocation:
    """Give a sponsor tickets out of the event's capacity, and record how many are claimed.

    The event row is locked (SQLite: the IMMEDIATE transaction) so two allocations at once
    cannot both take the last places.
    """
    from crm.models import Event

    if allocated is None or claimed is None or allocated < 0 or claimed < 0:
        raise ValidationError("Ticket numbers must be whole numbers, 0 or more.")
    if claimed > allocated:
        raise ValidationError({"claimed": f"{claimed} claimed is more than the {allocated} allocated."})
    pledge = Pledge.objects.select_related("organisation").get(pk=pledge.pk)
    if allocated and pledge.stage in CLOSED_LOST_STAGES:
        raise ValidationError(f"This pledge was {pledge.get_stage_display().lower()}: it gets no tickets.")
    event = Event.objects.select_for_update().get(pk=pledge.event_id)
    others = (
        TicketAllocation.objects.filter(pledge__event=event)
        .exclude(pledge=pledge)
        .aggregate(total=Sum("allocated"))["total"]
        or 0
    )
    if allocated and not event.capacity:
        raise ValidationError({"allocated": f"{event} has no capacity set yet: set it before giving out tickets."})
    if others + allocated > event.capacity:
        left = max(event.capacity - others, 0)
        raise ValidationError(
            {
                "allocated": (
                    f"Allocating {allocated} tickets would take sponsors to {others + allocated} of {event}'s "
                    f"{event.capacity} places: only {left} {'is' if left == 1 else 'are'} left."
                )
            }
        )
    tickets, _ = TicketAllocation.objects.update_or_create(
        pledge=pledge, defaults={"allocated": allocated, "claimed": claimed}
    )
    return tickets


#: Fields a pledge spec may give to `create_pledges` (everything else is set by the service).
BULK_PLEDGE_FIELDS = {"organisation_id", "event_id", "tier_id", "amount", "stage", "owner_id", "expected_date", "notes"}


@transaction.atomic
def create_pledges(specs: list[dict], *, user=None, changed_at=None) -> list[Pledge]:
    """Create many pledges at once with `create_pledge`'s rules and records, in a fixed number of
    queries (planning the next event makes thousands; one by one took a second per ~400).

    Each spec holds `BULK_PLEDGE_FIELDS` (ids, not instances). The same rules as `create_pledge`:
    without an amount a tier's pledge is for the tier's price; the amount is not negative; the
    tier belongs to the pledge's event; the organisation, event and owner exist; a declined or
    withdrawn pledge says why. The same records: the first stage as a change from nothing (who,
    when), the pledged/paid milestones, a benefit row per benefit of the tier, and a history row
    for each pledge and benefit. Nothing is written when any spec is refused.
    """
    from django.contrib.auth import get_user_model

    from crm.models import Event, Organisation

    if not specs:
        return []
    changed_at = changed_at or timezone.now()
    tiers = SponsorshipTier.objects.in_bulk({s["tier_id"] for s in specs if s.get("tier_id")})
    org_ids = {s.get("organisation_id") for s in specs}
    event_ids = {s.get("event_id") for s in specs}
    owner_ids = {s["owner_id"] for s in specs if s.get("owner_id")}
    known_orgs = set(Organisation.objects.filter(pk__in=org_ids).values_list("pk", flat=True))
    known_events = set(Event.objects.filter(pk__in=event_ids).values_list("pk", flat=True))
    known_owners = set(get_user_model().objects.filter(pk__in=owner_ids).values_list("pk", flat=True))
    stages = set(Stage.values)
    amount_field = Pledge._meta.get_field("amount")
    pledges, errors = [], []
    for number, spec in enumerate(specs, start=1):
        unknown = set(spec) - BULK_PLEDGE_FIELDS - {"lost_reason"}
        if unknown:
            raise TypeError(f"create_pledges() does not take {', '.join(sorted(unknown))}")
        tier = tiers.get(spec.get("tier_id")) if spec.get("tier_id") else None
        amount = spec.get("amount")
        if amount is None and tier is not None:
            amount = tier.price
        stage = spec.get("stage") or Stage.PROSPECT
        problem = ""
        if spec.get("organisation_id") not in known_orgs:
            problem = "no such organisation"
        elif spec.get("event_id") not in known_events:
            problem = "no such event"
        elif spec.get("tier_id") and (tier is None or tier.event_id != spec["event_id"]):
            problem = "the tier is not one of the event's tiers"
        elif spec.get("owner_id") and spec["owner_id"] not in known_owners:
            problem = "no such owner"
        elif amount is None:
            problem = "an amount or a tier is needed"
        elif stage not in stages:
            problem = f"“{stage}” is not a stage"
        elif stage in CLOSED_LOST_STAGES and not (spec.get("lost_reason") or "").strip():
            problem = "say why the pledge was declined or withdrawn"
        else:
            try:
                amount = amount_field.clean(amount, None)
                if amount < 0:
                    problem = "the amount cannot be negative"
            except ValidationError as error:
                problem = " ".join(error.messages)
        if problem:
            errors.append(f"Pledge {number}: {problem}.")
            continue
        pledge = Pledge(**{**spec, "amount": amount, "stage": stage}, stage_changed_at=changed_at)
        note_milestones(pledge, stage, changed_at)
        pledges.append(pledge)
    if errors:
        raise ValidationError(errors[:20] + ([f"… and {len(errors) - 20} more."] if len(errors) > 20 else []))

    from crm.bulk import insert_history, insert_rows, row_of

    now = timezone.now()
    for pledge in pledges:
        pledge.created_at = pledge.updated_at = now
    rows = [row_of(p) for p in pledges]
    for pledge, row, pk in zip(pledges, rows, insert_rows(Pledge, rows, returning=True)):
        pledge.pk = row["id"] = pk
    insert_history(Pledge, rows, user=user, date=changed_at)
    insert_rows(
        PledgeStageChange,
        [
            {
                "pledge_id": p.pk,
                "from_stage": "",
                "to_stage": p.stage,
                "changed_by_id": getattr(user, "pk", None),
                "changed_at": changed_at,
                "note": "",
            }
            for p in pledges
        ],
    )
    benefit_lists = {pk: tier.benefit_list() for pk, tier in tiers.items()}
    benefits = [
        {"pledge_id": p.pk, "benefit": b, "delivered": False, "delivered_on": None, "notes": ""}
        for p in pledges
        if p.tier_id
        for b in benefit_lists[p.tier_id]
    ]
    for row, pk in zip(benefits, insert_rows(BenefitDelivery, benefits, returning=True)):
        row["id"] = pk
    insert_history(BenefitDelivery, benefits, user=user, date=changed_at)
    return pledges
