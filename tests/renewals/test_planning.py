"""Planning the next event: the service, its rules and the command."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from crm.models import Event, FollowUp
from renewals.selectors import carry_forward
from renewals.services import TierPlan, ask_window, max_per_day, plan_next_event, spread_due_dates, working_days
from sponsors.models import BenefitDelivery, Pledge, PledgeStageChange, SponsorshipTier, Stage
from tests.renewals.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_carry_forward_lists_who_gave_and_who_declined(last_event):
    event, _orgs, _ = last_event
    plan = carry_forward(event)
    assert [c.organisation for c in plan.carried] == ["Gamma", "Acme", "Beta"]  # largest first: 6,500 in kind
    assert [c.organisation for c in plan.lapsed] == ["Delta", "Echo"]


def test_plans_the_event_with_tiers_pledges_and_followups(last_event, organiser, committee):
    event, _orgs, _tiers = last_event
    new = plan_next_event(event, name="Summit 2027", date=datetime.date(2027, 10, 7), user=organiser, today=TODAY)
    assert (new.venue, new.capacity, new.sponsorship_target) == ("Corn Exchange", 250, Decimal("30000.00"))
    copied = {t.name: t for t in SponsorshipTier.objects.filter(event=new)}
    assert set(copied) == {"Gold", "Silver"}
    assert (copied["Gold"].price, copied["Gold"].ticket_allocation, copied["Gold"].stand) == (Decimal("4000"), 6, True)
    pledges = {p.organisation.name: p for p in Pledge.objects.filter(event=new).select_related("organisation")}
    assert set(pledges) == {"Acme", "Beta", "Gamma"}  # not the declined, withdrawn, prospect or only-offered
    assert all(p.stage == Stage.PROSPECT for p in pledges.values())
    assert (pledges["Acme"].tier, pledges["Acme"].amount, pledges["Acme"].owner) == (
        copied["Gold"],
        Decimal("4000"),
        organiser,
    )
    assert (pledges["Beta"].tier, pledges["Beta"].owner) == (copied["Silver"], committee)
    assert (pledges["Gamma"].tier, pledges["Gamma"].amount) == (None, Decimal("0"))
    # The same records as a pledge made one at a time: its first stage, benefits, history.
    change = PledgeStageChange.objects.get(pledge=pledges["Acme"])
    assert (change.from_stage, change.to_stage, change.changed_by) == ("", Stage.PROSPECT, organiser)
    assert set(BenefitDelivery.objects.filter(pledge=pledges["Acme"]).values_list("benefit", flat=True)) == {
        "6 tickets",
        "Exhibition stand",
        "Logo on event materials",
    }
    assert pledges["Acme"].history.get().history_user == organiser
    followups = {
        f.organisation.name: f for f in FollowUp.objects.filter(pledge__event=new).select_related("organisation")
    }
    assert set(followups) == {"Acme", "Beta", "Gamma"}
    assert followups["Acme"].title == "Ask Acme to sponsor Summit 2027"
    assert followups["Acme"].assignee == organiser and followups["Beta"].assignee == committee
    assert "Gold, £4,000.00 pledged" in followups["Acme"].notes
    assert all(
        TODAY < f.due_date <= datetime.date(2027, 10, 7) - datetime.timedelta(days=28) for f in followups.values()
    )
    assert followups["Acme"].history.count() == 1


def test_edited_tiers_and_chosen_lapsed_sponsors(last_event, organiser):
    event, orgs, tiers = last_event
    plans = [
        TierPlan(name="Gold", price=Decimal("4500"), slots=2, ticket_allocation=8, source_id=tiers["gold"].pk),
        TierPlan(name="Bronze", price=Decimal("500")),
    ]  # Silver removed
    new = plan_next_event(
        event,
        name="Summit 2027",
        date=datetime.date(2027, 10, 7),
        tiers=plans,
        include_lapsed_ids=[orgs["Delta"].pk],
        user=organiser,
        today=TODAY,
    )
    assert sorted(SponsorshipTier.objects.filter(event=new).values_list("name", "price")) == [
        ("Bronze", Decimal("500.00")),
        ("Gold", Decimal("4500.00")),
    ]
    pledges = {p.organisation.name: p for p in Pledge.objects.filter(event=new).select_related("organisation", "tier")}
    assert set(pledges) == {"Acme", "Beta", "Gamma", "Delta"}  # Delta chosen, Echo not
    assert pledges["Acme"].tier.name == "Gold" and pledges["Acme"].amount == Decimal("4000")  # last time's amount
    assert pledges["Beta"].tier is None  # its tier was removed


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "Summit 2026"}, "An event called “Summit 2026” already exists"),
        ({"name": "summit 2026"}, "already exists"),
        ({"name": "  "}, "Give the new event a name."),
        ({"date": datetime.date(2027, 2, 1)}, "must be in the future"),
        ({"date": TODAY}, "must be in the future"),
        (
            {"tiers": [TierPlan(name="A", price=Decimal("1")), TierPlan(name="a", price=Decimal("2"))]},
            "Two tiers are called",
        ),
        ({"tiers": [TierPlan(name="A", price=Decimal("-1"))]}, "must be £0 or more"),
        ({"include_lapsed_ids": [999999]}, "Only sponsors who declined or withdrew"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(last_event, organiser, kwargs, message):
    event, _orgs, _ = last_event
    before = (Event.objects.count(), Pledge.objects.count(), FollowUp.objects.count(), SponsorshipTier.objects.count())
    arguments = {"name": "Summit 2027", "date": datetime.date(2027, 10, 7), "user": organiser, "today": TODAY, **kwargs}
    with pytest.raises(ValidationError) as raised:
        plan_next_event(event, **arguments)
    assert message in " ".join(raised.value.messages)
    after = (Event.objects.count(), Pledge.objects.count(), FollowUp.objects.count(), SponsorshipTier.objects.count())
    assert after == before


def test_an_event_with_nothing_to_carry_says_so(db, organiser):
    empty = Event.objects.create(name="Quiet 2026", date=datetime.date(2026, 5, 1))
    with pytest.raises(ValidationError, match="has no sponsors to carry forward"):
        plan_next_event(empty, name="Quiet 2027", date=datetime.date(2027, 5, 1), user=organiser, today=TODAY)
    assert not Event.objects.filter(name="Quiet 2027").exists()


def test_a_failure_half_way_leaves_nothing(last_event, organiser, monkeypatch):
    event, _, _ = last_event
    from renewals import services

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "create_followups", broken)
    with pytest.raises(RuntimeError):
        plan_next_event(event, name="Summit 2027", date=datetime.date(2027, 10, 7), user=organiser, today=TODAY)
    assert not Event.objects.filter(name="Summit 2027").exists()
    assert Pledge.objects.count() == 5


# -- spreading the follow-ups --------------------------------------------------------------------


def test_spreading_keeps_each_person_under_the_even_share():
    days = working_days(datetime.date(2027, 3, 2), datetime.date(2027, 4, 30))  # 44 working days
    assert len(days) == 44 and all(d.weekday() < 5 for d in days)
    assignees = ["ann"] * 100 + ["bob"] * 20 + ["cat"] * 3
    dates = spread_due_dates(assignees, days)
    assert max_per_day(assignees[:100], dates[:100]) == 3  # ceil(100 / 44)
    assert max_per_day(assignees[100:120], dates[100:120]) == 1
    assert len({d for a, d in zip(assignees, dates) if a == "bob"}) == 20  # one a day, spread out
    bob = sorted(d for a, d in zip(assignees, dates) if a == "bob")
    assert bob[0] == days[0] and bob[-1] >= days[-3]  # over the whole window, not bunched at the start


def test_ask_window_ends_four_weeks_before_or_uses_the_time_there_is():
    today = datetime.date(2027, 3, 1)  # a Monday
    window = ask_window(datetime.date(2027, 6, 1), today)
    assert window[0] == datetime.date(2027, 3, 2) and window[-1] <= datetime.date(2027, 5, 4)
    soon = ask_window(datetime.date(2027, 3, 20), today)
    assert soon[-1] == datetime.date(2027, 3, 19)


def test_a_thousand_pledges_for_one_owner_never_more_than_the_even_share_a_day(db, organiser):
    from renewals.services import ask_window

    days = ask_window(datetime.date(2027, 10, 7), TODAY)
    assignees = [organiser.pk] * 1000
    dates = spread_due_dates(assignees, days)
    assert max_per_day(assignees, dates) == -(-1000 // len(days))
    assert max_per_day(assignees, dates) < 20


# -- the command -----------------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False)
def test_command_prints_the_new_event_id_last(last_event, organiser):
    event, _, _ = last_event
    out = io.StringIO()
    call_command(
        "plan_next_event", str(event.pk), "--name", "Summit 2027", "--date", "2027-10-07", "--user", "org", stdout=out
    )
    lines = out.getvalue().strip().splitlines()
    new = Event.objects.get(name="Summit 2027")
    assert lines[-1] == str(new.pk)
    assert "3 sponsors asked again" in lines[0] and "2 who declined or withdrew not added" in lines[0]
    assert Pledge.objects.filter(event=new).count() == 3


@time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize(
    "args, message",
    [
        (["--name", "Summit 2027", "--date", "7/10/2027"], "is not a date"),
        (["--name", "Summit 2027", "--date", "2026-12-01"], "must be in the future"),
        (["--name", "Summit 2026", "--date", "2027-10-07"], "already exists"),
        (["--name", "Summit 2027", "--date", "2027-10-07", "--user", "nobody"], "No user is called"),
    ],
)
def test_command_refuses_bad_input_clearly(last_event, args, message):
    event, _, _ = last_event
    with pytest.raises(CommandError, match=message):
        call_command("plan_next_event", str(event.pk), *args, stdout=io.StringIO())
    assert not Event.objects.filter(name="Summit 2027").exists()


def test_command_refuses_an_unknown_event(db):
    with pytest.raises(CommandError, match="No event has id 4242"):
        call_command("plan_next_event", "4242", "--name", "X", "--date", "2030-01-01", stdout=io.StringIO())


@time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False)
def test_running_the_command_twice_refuses_the_second(last_event):
    event, _, _ = last_event
    call_command(
        "plan_next_event", str(event.pk), "--name", "Summit 2027", "--date", "2027-10-07", stdout=io.StringIO()
    )
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "plan_next_event", str(event.pk), "--name", "Summit 2027", "--date", "2027-10-07", stdout=io.StringIO()
        )
    assert Pledge.objects.filter(event__name="Summit 2027").count() == 3
