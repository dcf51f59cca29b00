from django.contrib.auth import authenticate
from django.core.management import call_command

from crm.models import FollowUp, Organisation
from demodata.demo import demo_counts
from sponsors.models import InKindContribution, Pledge, Stage


def test_seed_demo_twice_gives_the_same_counts(db, capsys):
    call_command("seed_demo")
    first = demo_counts()
    call_command("seed_demo")
    assert demo_counts() == first
    # 40 organisations and 120 people, and the duplicates app's demo duplicates (2 and 4).
    assert first["Organisation"] == 40 + 2 and first["Contact"] == 120 + 4
    out = capsys.readouterr().out
    assert "organiser  password: organiser-demo-2026" in out


def test_seed_demo_covers_every_stage_and_the_essentials(db):
    call_command("seed_demo")
    assert set(Pledge.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert Pledge.objects.filter(stage=Stage.DECLINED).exclude(lost_reason="").exists()
    assert {"venue", "catering"} <= set(InKindContribution.objects.values_list("category", flat=True))
    assert FollowUp.objects.overdue().exists()
    for role_field in ("is_sponsor", "is_supplier", "is_training_provider", "is_public_body"):
        assert Organisation.objects.filter(**{role_field: True}).count() >= 5


def test_demo_users_sign_in_with_their_role(db, rf):
    call_command("seed_demo")
    for username, group in [("organiser", "Organiser"), ("committee", "Committee"), ("staff", "Staff")]:
        request = rf.post("/accounts/login/")  # the lock-out backend needs the request
        user = authenticate(request, username=username, password=f"{username}-demo-2026")
        assert user is not None
        assert list(user.groups.values_list("name", flat=True)) == [group]


def test_if_empty_leaves_existing_data_alone(db):
    Organisation.objects.create(name="Somebody Else's Data")
    call_command("seed_demo", "--if-empty")
    assert Organisation.objects.count() == 1
