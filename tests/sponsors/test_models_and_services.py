from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.models import Event, Organisation
from partners.models import Favour
from sponsors import services
from sponsors.models import STAGE_PROBABILITY, Pledge, PledgeStageChange, SponsorshipTier, Stage


@pytest.fixture
def event(db):
    return Event.objects.create(name="Launch", capacity=250, sponsorship_target=Decimal("25000"))


@pytest.fixture
def org(db):
    return Organisation.objects.create(name="Acme", is_sponsor=True)


def test_stage_probabilities_follow_the_design():
    assert [STAGE_PROBABILITY[s] for s in Stage] == [
        Decimal(x) for x in ("0.10", "0.20", "0.40", "0.70", "0.90", "0.95", "1.00", "0", "0")
    ]


def test_create_pledge_records_its_first_stage(event, org, organiser):
    pledge = services.create_pledge(organisation=org, event=event, amount=Decimal("5000"), user=organiser)
    change = PledgeStageChange.objects.get(pledge=pledge)
    assert (change.from_stage, change.to_stage, change.changed_by) == ("", Stage.PROSPECT, organiser)


def test_move_pledge_records_who_when_from_and_to(event, org, organiser):
    pledge = services.create_pledge(organisation=org, event=event, amount=Decimal("5000"))
    pledge = services.move_pledge(pledge, Stage.VERBAL, user=organiser)
    assert pledge.stage == Stage.VERBAL
    last = pledge.stage_changes.first()
    assert (last.from_stage, last.to_stage, last.changed_by) == (Stage.PROSPECT, Stage.VERBAL, organiser)
    assert pledge.stage_changed_at == last.changed_at
    assert pledge.weighted_amount == Decimal("3500.00")


def test_moving_to_the_same_stage_records_nothing(event, org):
    pledge = services.create_pledge(organisation=org, event=event, amount=Decimal("10"))
    services.move_pledge(pledge, Stage.PROSPECT)
    assert pledge.stage_changes.count() == 1


def test_declining_needs_a_reason_and_keeps_it(event, org):
    pledge = services.create_pledge(organisation=org, event=event, amount=Decimal("10"))
    with pytest.raises(ValidationError):
        services.move_pledge(pledge, Stage.DECLINED)
    assert Pledge.objects.get().stage == Stage.PROSPECT
    services.move_pledge(pledge, Stage.DECLINED, reason="No budget this year")
    assert Pledge.objects.get().lost_reason == "No budget this year"


def test_pledge_amount_cannot_be_negative(event, org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Pledge.objects.create(organisation=org, event=event, amount=Decimal("-5"))
    with pytest.raises(ValidationError):
        services.create_pledge(organisation=org, event=event, amount=Decimal("-5"))
    assert not Pledge.objects.exists()


def test_tier_benefits_become_delivery_rows(event, org):
    tier = SponsorshipTier.objects.create(
        event=event,
        name="Gold",
        price=Decimal("5000"),
        ticket_allocation=4,
        stand=True,
        logo=True,
        other_benefits="Social media thank-you\n",
    )
    pledge = services.create_pledge(organisation=org, event=event, tier=tier, amount=tier.price)
    assert sorted(pledge.benefits.values_list("benefit", flat=True)) == [
        "4 tickets",
        "Exhibition stand",
        "Logo on event materials",
        "Social media thank-you",
    ]


def test_favour_balance_counts_received_against_returned(org):
    make = lambda direction, status, value: Favour.objects.create(  # noqa: E731
        organisation=org,
        direction=direction,
        status=status,
        description="x",
        estimated_value=Decimal(value),
    )
    make("we_asked", "done", "300")
    make("they_offered", "returned", "200")
    make("we_asked", "asked", "999")  # not yet given: not received
    make("we_owe", "done", "150")
    make("we_owe", "agreed", "80")
    total = lambda qs: sum(f.estimated_value for f in qs)  # noqa: E731
    assert total(Favour.objects.received()) == Decimal("500")
    assert total(Favour.objects.returned()) == Decimal("150")
    assert total(Favour.objects.owed()) == Decimal("80")
