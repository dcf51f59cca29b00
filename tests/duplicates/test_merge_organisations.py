"""Merging organisations: their people, pledges, in-kind, favours and partner profile follow; two
pledges for one event and two partner profiles are asked about; undo puts back exactly."""

from decimal import Decimal

import pytest
import time_machine

from crm.models import Contact, FollowUp, Interaction, Organisation
from duplicates import services
from partners.models import Favour, PartnerProfile
from sponsors.models import InKindContribution, Pledge, PledgeStageChange
from sponsors.services import create_pledge
from tests.crm import factories
from tests.duplicates.conftest import NOW
from tests.duplicates.test_merge import domain_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs(organiser):
    event = factories.event(name="Launch")
    kept = factories.organisation(
        name="Leeds City Council", roles=("public_body",), website="https://leeds.example.org"
    )
    merged = factories.organisation(name="Leeds CC", roles=("sponsor",), city="Leeds")
    person = factories.contact(merged, first_name="Jon", last_name="Barker")
    Interaction.objects.create(organisation=merged, contact=person, summary="Stand for the digital team")
    FollowUp.objects.create(organisation=merged, title="Chase the stand", due_date=NOW.date())
    create_pledge(organisation=merged, event=event, amount=Decimal("2000"), stage="verbal", user=organiser)
    InKindContribution.objects.create(
        organisation=merged, event=event, category="venue", description="Room", estimated_value=Decimal("500")
    )
    Favour.objects.create(organisation=merged, direction="we_asked", description="Room", estimated_value=Decimal("1"))
    PartnerProfile.objects.create(organisation=merged, offer_type="services")
    return event, kept, merged


def test_an_organisation_merge_moves_its_people_and_everything_else(orgs, organiser):
    _event, kept, merged = orgs
    plan = services.merge_plan("organisations", kept.pk, [merged.pk])
    assert plan.moves == {
        "interactions": 1,
        "follow-ups": 1,
        "contacts": 1,
        "pledges": 1,
        "in-kind contributions": 1,
        "favours": 1,
        "partner profiles": 1,
    }
    assert not plan.conflicts
    services.merge_records("organisations", kept.pk, [merged.pk], user=organiser)
    kept.refresh_from_db()
    assert Contact.objects.get().organisation_id == kept.pk
    assert Pledge.objects.get().organisation_id == kept.pk
    assert InKindContribution.objects.get().organisation_id == kept.pk
    assert Favour.objects.get().organisation_id == kept.pk
    assert PartnerProfile.objects.get().organisation_id == kept.pk
    assert kept.name == "Leeds City Council" and kept.city == "Leeds"
    assert kept.is_public_body and kept.is_sponsor  # roles: both


def test_two_pledges_for_one_event_are_asked_about_then_one_is_withdrawn(orgs, organiser):
    event, kept, merged = orgs
    keep_pledge = create_pledge(organisation=kept, event=event, amount=Decimal("5000"), stage="confirmed")
    other = Pledge.objects.get(organisation=merged)
    key = f"{merged.pk}:sponsors.pledge.event-{event.pk}"
    before = domain_state()
    with pytest.raises(services.ConflictsUnresolved) as refused:
        services.merge_records("organisations", kept.pk, [merged.pk], user=organiser)
    assert key in refused.value.conflicts
    assert domain_state() == before

    with time_machine.travel(NOW, tick=False):
        Organisation.objects.update(updated_at=NOW)
        Pledge.objects.update(updated_at=NOW)
        before = domain_state()
        merge = services.merge_records(
            "organisations", kept.pk, [merged.pk], user=organiser, resolutions={key: str(keep_pledge.pk)}
        )
        other.refresh_from_db()
        assert other.stage == "withdrawn" and other.organisation_id == kept.pk
        assert PledgeStageChange.objects.filter(pledge=other, to_stage="withdrawn").exists()
        services.undo_merge(merge, user=organiser)
        assert domain_state() == before


def test_both_partner_profiles_the_screen_asks_which_is_kept(orgs, organiser):
    _event, kept, merged = orgs
    PartnerProfile.objects.create(organisation=kept, offer_type="courses")
    key = f"{merged.pk}:partners.profile"
    assert key in services.merge_plan("organisations", kept.pk, [merged.pk]).conflicts
    with time_machine.travel(NOW, tick=False):
        Organisation.objects.update(updated_at=NOW)
        PartnerProfile.objects.update(updated_at=NOW)
        before = domain_state()
        merge = services.merge_records(
            "organisations", kept.pk, [merged.pk], user=organiser, resolutions={key: "merged"}
        )
        assert PartnerProfile.objects.get().offer_type == "services"
        assert PartnerProfile.objects.get().organisation_id == kept.pk
        services.undo_merge(merge, user=organiser)
        assert domain_state() == before


def test_the_kept_organisation_may_take_the_merged_name(orgs, organiser):
    """The normalised name is unique: the merged organisation is gone before the kept takes its name."""
    _event, kept, merged = orgs
    merge = services.merge_records("organisations", kept.pk, [merged.pk], user=organiser, choices={"name": merged.pk})
    assert Organisation.objects.get().name == "Leeds CC"
    services.undo_merge(merge, user=organiser)
    assert set(Organisation.objects.values_list("name", flat=True)) == {"Leeds City Council", "Leeds CC"}


def test_undo_refuses_when_the_merged_name_was_taken_since(orgs, organiser):
    _event, kept, merged = orgs
    merge = services.merge_records("organisations", kept.pk, [merged.pk], user=organiser)
    factories.organisation(name="LEEDS CC Ltd")  # the same name once normalised
    with pytest.raises(services.MergeError, match="cannot come back"):
        services.undo_merge(merge, user=organiser)
    assert not Organisation.objects.filter(pk=merged.pk).exists()
    assert Contact.objects.get().organisation_id == kept.pk  # nothing half-undone
