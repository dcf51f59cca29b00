"""generate_data's three past events renew realistically; seed_demo's second event gives the
Renewals tab a before and after."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from crm.models import Event
from demodata.demo import EVENT_NAME
from sponsors import comparisons
from sponsors.models import PLEDGED_STAGES, Pledge, PledgeStageChange

pytestmark = pytest.mark.django_db
#: The data is built around today: a fixed day (the clock still runs) so the events' dates are known.
TODAY = time_machine.travel(datetime.datetime(2026, 12, 7, 9, tzinfo=datetime.UTC), tick=True)


@TODAY
def test_generate_data_makes_three_past_events_that_renew_about_sixty_percent():
    call_command("generate_data", scale="small", seed=3, verbosity=0)
    today = timezone.localdate()
    past = list(Event.objects.filter(date__lt=today).order_by("date"))
    assert [e.date for e in past] == [datetime.date(2024, 3, 2), datetime.date(2025, 2, 25), datetime.date(2026, 2, 20)]
    upcoming = Event.objects.filter(date__gte=today).order_by("date").first()
    for before, after in zip(past, [*past[1:], upcoming]):
        comparison = comparisons.compare_events(after, before)
        assert comparisons.previous_event(after) == before
        assert comparison.gave_before >= 40  # about one sponsor per four of the 200 organisations
        assert 0.5 <= comparison.retention_by_count <= 0.7, (after.name, comparison.retention_by_count)
        totals = {t.status: t.count for t in comparison.by_status()}
        assert totals["upgraded"] > 0 and totals["downgraded"] > 0 and totals["renewed"] > 0 and totals["new"] > 0
    # Past pledges are closed: pledged or paid before the event, or declined/withdrawn with a reason,
    # each with its stage history ending at its stage.
    for pledge in Pledge.objects.filter(event__in=past).select_related("event")[:200]:
        history = list(PledgeStageChange.objects.filter(pledge=pledge).order_by("changed_at", "pk"))
        assert history[0].from_stage == "" and history[-1].to_stage == pledge.stage
        assert history[-1].changed_at == pledge.stage_changed_at
        if pledge.stage in PLEDGED_STAGES:
            assert pledge.pledged_at.date() <= pledge.event.date
        else:
            assert pledge.lost_reason


@TODAY
def test_the_same_seed_gives_the_same_past_events():
    def snapshot():
        return sorted(
            Pledge.objects.filter(event__date__lt=timezone.localdate()).values_list(
                "event__name", "organisation__name", "amount", "stage"
            )
        )

    call_command("generate_data", scale="tiny", seed=5, verbosity=0)
    first = snapshot()
    call_command("generate_data", scale="tiny", seed=5, clear=True, verbosity=0)
    assert snapshot() == first and first


@TODAY
def test_seed_demo_has_two_events_to_compare(client):
    call_command("seed_demo", verbosity=0)
    launch = Event.objects.get(name=EVENT_NAME)
    events = list(Event.objects.order_by("date"))
    assert len(events) == 2 and events[1] == launch and events[0].date < timezone.localdate()
    comparison = comparisons.compare_events(launch, comparisons.previous_event(launch))
    totals = {t.status: t.count for t in comparison.by_status()}
    assert all(totals[s] > 0 for s in comparisons.STATUSES), totals
    call_command("seed_demo", verbosity=0)  # idempotent: still two
    assert Event.objects.count() == 2
    assert comparisons.pledge_pace([events[0]])[events[0].pk]  # last year's pace has points
    assert launch.date - events[0].date > datetime.timedelta(days=300)
