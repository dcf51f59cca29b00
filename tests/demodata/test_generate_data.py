"""`manage.py generate_data`: reproducible, right-sized, unique names, and careful with existing data."""

from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from crm.models import Contact, FollowUp, Interaction, Organisation
from crm.normalise import organisation_key
from demodata.synthetic import sizes_for
from partners.models import Favour, PartnerProfile
from sponsors.models import PLEDGED_STAGES, Pledge, PledgeStageChange, Stage

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Organisation.objects.order_by("pk").values_list("name", flat=True)),
        list(Contact.objects.order_by("pk").values_list("email", flat=True)),
    )


def test_same_seed_gives_the_same_names_and_emails():
    call_command("generate_data", scale="small", seed=3, verbosity=0)
    first = snapshot()
    call_command("generate_data", scale="small", seed=3, clear=True, verbosity=0)
    assert snapshot() == first
    call_command("generate_data", scale="small", seed=4, clear=True, verbosity=0)
    assert snapshot()[0] != first[0]


def test_small_has_the_documented_sizes_and_sound_records(capsys):
    call_command("generate_data", scale="small", seed=3)
    out = capsys.readouterr().out
    assert "crm.Interaction" in out and "Done in" in out
    sizes = sizes_for("small")
    assert sizes == {"organisations": 200, "contacts": 1000, "interactions": 5000, "pledges": 500, "followups": 200}
    assert Organisation.objects.count() == 200
    assert Contact.objects.count() == 1000
    assert Interaction.objects.count() == 5000
    # The core's pipeline (renewals adds three past events' pledges of its own, tests/renewals).
    upcoming = Pledge.objects.filter(event__date__gte=timezone.localdate())
    assert upcoming.count() == 500
    assert FollowUp.objects.count() == 200
    assert (
        PartnerProfile.objects.count()
        == Organisation.objects.filter(is_supplier=True).count()
        + Organisation.objects.filter(is_training_provider=True, is_supplier=False).count()
    )
    assert Favour.objects.exists()
    assert FollowUp.objects.overdue().exists()

    names = list(Organisation.objects.values_list("name", "name_key"))
    assert all(key == organisation_key(name) for name, key in names)
    assert len({organisation_key(name) for name, _ in names}) == len(names)
    emails = [e for e in Contact.objects.values_list("email", flat=True) if e]
    assert len(emails) == len(set(emails)) and all(e == e.lower() for e in emails)

    # Every pledge's history starts at prospect and ends at its stage, at stage_changed_at.
    pledge = Pledge.objects.filter(stage=Stage.PAID).first()
    history = list(PledgeStageChange.objects.filter(pledge=pledge).order_by("changed_at", "pk"))
    assert history[0].from_stage == "" and history[0].to_stage == Stage.PROSPECT
    assert history[-1].to_stage == Stage.PAID and history[-1].changed_at == pledge.stage_changed_at
    per_pledge = Counter(PledgeStageChange.objects.filter(pledge__in=upcoming).values_list("pledge_id", flat=True))
    assert len(per_pledge) == 500

    # pledged_at / paid_at are each pledge's first move to verbal-or-beyond and to paid.
    first = {}
    for pk, stage, at in PledgeStageChange.objects.values_list("pledge_id", "to_stage", "changed_at"):
        for key, reached in (("pledged", stage in PLEDGED_STAGES), ("paid", stage == Stage.PAID)):
            if reached and (first.get((pk, key)) is None or at < first[(pk, key)]):
                first[(pk, key)] = at
    milestones = list(Pledge.objects.values_list("pk", "pledged_at", "paid_at"))
    assert [(pk, first.get((pk, "pledged")), first.get((pk, "paid"))) for pk, _, _ in milestones] == milestones
    assert any(paid for _, _, paid in milestones)


def test_refuses_to_add_to_existing_data_unless_cleared():
    Organisation.objects.create(name="Existing Org Ltd")
    with pytest.raises(CommandError, match="--clear"):
        call_command("generate_data", scale="tiny", seed=1, verbosity=0)
    assert Organisation.objects.count() == 1

    call_command("generate_data", scale="tiny", seed=1, clear=True, verbosity=0)
    assert not Organisation.objects.filter(name="Existing Org Ltd").exists()
    assert Organisation.objects.count() == sizes_for("tiny")["organisations"]
    assert Interaction.objects.count() == sizes_for("tiny")["interactions"]
