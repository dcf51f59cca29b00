"""Stage moves and in-kind status transitions, at the service layer."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.models import Event, Organisation
from sponsors import services
from sponsors.models import InKindContribution, Pledge, PledgeStageChange, SponsorshipTier, Stage

Status = InKindContribution.Status


@pytest.fixture
def event(db):
    return Event.objects.create(name="Launch", sponsorship_target=Decimal("25000"))


@pytest.fixture
def org(db):
    return Organisation.objects.create(name="Acme", is_sponsor=True)


def test_move_records_stage_change_with_user_and_note(event, org, organiser):
    pledge = services.create_pledge(organisation=org, event=event, amount=Decimal("1000"))
    services.move_pledge(pledge, Stage.APPROACHED, user=organiser, note="Emailed the CEO")
    change = PledgeStageChange.objects.filter(pledge=pledge).first()
    assert (change.from_stage, change.to_stage, change.changed_by, change.note) == (
        Stage.PROSPECT,
        Stage.APPROACHED,
        organiser,
        "Emailed the CEO",
    )


def test_withdraw_without_reason_changes_nothing(event, org):
    pledge = services.create_pledge(organisation=org, event=event, amount=Decimal("1000"))
    with pytest.raises(ValidationError):
        services.move_pledge(pledge, Stage.WITHDRAWN, reason="  ")
    assert Pledge.objects.get().stage == Stage.PROSPECT
    assert PledgeStageChange.objects.count() == 1


def test_create_without_amount_uses_tier_price(event, org):
    tier = SponsorshipTier.objects.create(event=event, name="Gold", price=Decimal("7500"), logo=True)
    pledge = services.create_pledge(organisation=org, event=event, tier=tier, amount=None)
    assert pledge.amount == Decimal("7500")
    assert list(pledge.benefits.values_list("benefit", flat=True)) == ["Logo on event materials"]


def test_update_pledge_never_changes_stage(event, org):
    pledge = services.create_pledge(organisation=org, event=event, amount=Decimal("1000"))
    services.update_pledge(pledge, amount=Decimal("2000"), stage=Stage.PAID)
    pledge.refresh_from_db()
    assert (pledge.amount, pledge.stage) == (Decimal("2000"), Stage.PROSPECT)


@pytest.fixture
def item(event, org):
    return InKindContribution.objects.create(
        organisation=org, event=event, category="venue", description="Main hall", estimated_value=Decimal("3000")
    )


@pytest.mark.parametrize(
    "path",
    [
        [Status.CONFIRMED],
        [Status.DECLINED],
        [Status.CONFIRMED, Status.DELIVERED],
        [Status.CONFIRMED, Status.DECLINED],
    ],
)
def test_valid_in_kind_transitions(item, organiser, path):
    for status in path:
        item = services.set_in_kind_status(item, status, user=organiser)
    assert InKindContribution.objects.get().status == path[-1]


@pytest.mark.parametrize(
    "path, bad",
    [
        ([], Status.DELIVERED),
        ([], Status.OFFERED),
        ([Status.CONFIRMED], Status.OFFERED),
        ([Status.CONFIRMED, Status.DELIVERED], Status.DECLINED),
        ([Status.DECLINED], Status.CONFIRMED),
        ([], "lost"),
    ],
)
def test_invalid_in_kind_transitions_are_refused(item, path, bad):
    for status in path:
        item = services.set_in_kind_status(item, status)
    with pytest.raises(ValidationError) as error:
        services.set_in_kind_status(item, bad)
    assert "status" in error.value.message_dict
    assert InKindContribution.objects.get().status == (path[-1] if path else Status.OFFERED)


def test_save_in_kind_keeps_status_on_edit(item):
    services.set_in_kind_status(item, Status.CONFIRMED)
    item.status = Status.DELIVERED  # a tampered form cannot skip the status service
    item.description = "Main hall and foyer"
    services.save_in_kind(item)
    item.refresh_from_db()
    assert (item.status, item.description) == (Status.CONFIRMED, "Main hall and foyer")


@pytest.mark.clock
def test_milestones_keep_the_first_move_to_pledged_and_to_paid(event, org):
    start = timezone.now() - datetime.timedelta(days=90)
    pledge = services.create_pledge(organisation=org, event=event, amount=Decimal("1000"), changed_at=start)
    assert (pledge.pledged_at, pledge.paid_at) == (None, None)

    services.move_pledge(pledge, Stage.VERBAL, changed_at=start + datetime.timedelta(days=10))
    services.move_pledge(pledge, Stage.IN_DISCUSSION, changed_at=start + datetime.timedelta(days=20))
    services.move_pledge(pledge, Stage.CONFIRMED, changed_at=start + datetime.timedelta(days=30))
    services.move_pledge(pledge, Stage.PAID, changed_at=start + datetime.timedelta(days=40))
    pledge.refresh_from_db()
    assert pledge.pledged_at == start + datetime.timedelta(days=10)
    assert pledge.paid_at == start + datetime.timedelta(days=40)

    # A move recorded with an earlier date than the milestone moves the milestone back.
    services.move_pledge(pledge, Stage.INVOICED, changed_at=start + datetime.timedelta(days=5))
    pledge.refresh_from_db()
    assert pledge.pledged_at == start + datetime.timedelta(days=5)


def test_pledge_created_as_paid_has_both_milestones(event, org):
    pledge = services.create_pledge(organisation=org, event=event, amount=Decimal("1000"), stage=Stage.PAID)
    pledge.refresh_from_db()
    assert pledge.pledged_at == pledge.paid_at == pledge.stage_changed_at


def test_migration_fills_milestones_from_the_stage_history(event, org):
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    pledge = services.create_pledge(organisation=org, event=event, amount=Decimal("1000"))
    services.move_pledge(pledge, Stage.CONFIRMED)
    services.move_pledge(pledge, Stage.PAID)
    other = services.create_pledge(organisation=org, event=event, amount=Decimal("50"))
    expected = list(Pledge.objects.order_by("pk").values_list("pledged_at", "paid_at"))
    Pledge.objects.update(pledged_at=None, paid_at=None)

    migration = import_module("sponsors.migrations.0004_pledge_milestones")
    migration.fill_milestones(apps, connection.schema_editor())
    assert list(Pledge.objects.order_by("pk").values_list("pledged_at", "paid_at")) == expected
    assert expected[0][0] is not None and expected[0][1] is not None and other.pledged_at is None
