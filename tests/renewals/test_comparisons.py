"""Renewed, upgraded, downgraded, lapsed and new, against sums worked out by hand here."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Event, Interaction
from sponsors import comparisons
from sponsors.models import InKindContribution, Pledge, Stage
from tests.renewals.conftest import org, pledge

pytestmark = pytest.mark.django_db


def test_each_organisation_is_classed(two_events):
    then, now, o = two_events
    comparison = comparisons.compare_events(now, then)
    classes = {c.organisation_id: c.status for c in comparison.changes}
    assert classes == {
        o["Acme"].pk: "renewed",
        o["Beta"].pk: "upgraded",
        o["Cobalt"].pk: "downgraded",
        o["Delta"].pk: "lapsed",
        o["Echo"].pk: "lapsed",
        o["Fern"].pk: "new",
        o["Gale"].pk: "new",
    }
    totals = {t.status: (t.count, t.before, t.after) for t in comparison.by_status()}
    assert totals == {
        "renewed": (1, Decimal("1000"), Decimal("1000")),
        "upgraded": (1, Decimal("1000"), Decimal("1500")),
        "downgraded": (1, Decimal("2500"), Decimal("2000")),
        "lapsed": (2, Decimal("3400"), Decimal("0")),
        "new": (2, Decimal("0"), Decimal("1000")),
    }


def test_pence_add_up_exactly_and_a_zero_gift_still_counts(two_events):
    """The database sums the gifts (in pennies, so SQLite's floating-point sums cannot make
    10p + 20p differ from 30p), and a verbal pledge of nothing is still giving."""
    then, now, _ = two_events
    pence, nought, kind = org("Pence"), org("Nought"), org("Kind")
    pledge(pence, then, Stage.PAID, "0.10")
    pledge(pence, then, Stage.PAID, "0.20")
    pledge(pence, now, Stage.VERBAL, "0.30")
    pledge(nought, then, Stage.VERBAL, "0")
    for event, value in ((then, "0.70"), (now, "0.10"), (now, "0.60")):
        InKindContribution.objects.create(
            organisation=kind,
            event=event,
            category="av",
            description="Mic",
            estimated_value=Decimal(value),
            status="delivered",
        )
    changes = {c.organisation_id: c for c in comparisons.compare_events(now, then).changes}
    assert (changes[pence.pk].status, changes[pence.pk].before, changes[pence.pk].after) == (
        "renewed",
        Decimal("0.30"),
        Decimal("0.30"),
    )
    assert (changes[kind.pk].status, changes[kind.pk].after) == ("renewed", Decimal("0.70"))
    assert (changes[nought.pk].status, changes[nought.pk].before) == ("lapsed", Decimal("0"))
    totals = {t.status: (t.count, t.before, t.after) for t in comparisons.compare_events(now, then).by_status()}
    assert totals["renewed"] == (3, Decimal("1001.00"), Decimal("1001.00"))
    assert totals["lapsed"] == (3, Decimal("3400"), Decimal("0"))


def test_the_totals_and_the_lapsed_list_agree_with_every_organisation_classed(two_events, committee):
    """The board reads the totals and its first lapsed rows in one query: they match what each
    organisation's own figures say, whatever number of lapsed rows is read with them."""
    then, now, _ = two_events
    grow(then, now, 7, "A", committee)
    full = comparisons.compare_events(now, then)
    by_hand: dict[str, list] = {s: [0, Decimal("0"), Decimal("0")] for s in comparisons.STATUSES}
    for change in full.changes:
        by_hand[change.status][0] += 1
        by_hand[change.status][1] += change.before
        by_hand[change.status][2] += change.after
    assert {t.status: [t.count, t.before, t.after] for t in full.by_status()} == by_hand
    lapsed = sorted((c for c in full.changes if c.status == "lapsed"), key=lambda c: (-c.before, c.organisation_id))
    assert len(lapsed) == 9
    for read in (0, 3, None):
        comparison = comparisons.compare_events(now, then, lapsed=read)
        assert comparison.by_status() == full.by_status()
        assert comparison.lapsed(5) == lapsed[:5] and comparison.lapsed() == lapsed
    with CaptureQueriesContext(connection) as queries:
        comparisons.compare_events(now, then, lapsed=5).lapsed(5)
    assert len(queries) == 1


def test_retention_rates(two_events):
    then, now, _ = two_events
    comparison = comparisons.compare_events(now, then)
    assert comparison.gave_before == 5
    assert comparison.retention_by_count == Decimal("0.6")  # Acme, Beta, Cobalt of five
    assert comparison.retention_by_value == Decimal("4500") / Decimal("7900")  # 1,000 + 1,500 + 2,000 of 7,900


def test_retention_without_anyone_last_time_is_none(db):
    then = Event.objects.create(name="A", date=datetime.date(2026, 1, 1))
    now = Event.objects.create(name="B", date=datetime.date(2027, 1, 1))
    comparison = comparisons.compare_events(now, then)
    assert comparison.retention_by_count is None and comparison.retention_by_value is None


def test_the_previous_event_is_the_one_before_by_date(two_events):
    then, now, _ = two_events
    Event.objects.create(name="Older", date=datetime.date(2025, 1, 1))
    Event.objects.create(name="Undated")
    assert comparisons.previous_event(now) == then
    assert comparisons.previous_event(then).name == "Older"


def test_lapsed_list_largest_first_with_owner_last_contact_and_stage_now(two_events, organiser):
    then, now, o = two_events
    Interaction.objects.create(
        organisation=o["Delta"],
        kind="call",
        summary="Chat",
        occurred_at=timezone.make_aware(datetime.datetime(2027, 2, 3, 10)),
        logged_by=organiser,
    )
    rows = comparisons.lapsed_details(comparisons.compare_events(now, then))
    assert [(r.organisation, r.last_amount, r.stage_now) for r in rows] == [
        ("Delta", Decimal("3000"), "Prospect"),
        ("Echo", Decimal("400"), ""),
    ]
    assert rows[0].last_contact.date() == datetime.date(2027, 2, 3) and rows[1].last_contact is None
    assert rows[0].owner == "com"  # the organisation's owner (no full name: the username)


def test_where_a_lapsed_sponsor_stands_is_its_earliest_open_stage(two_events, committee):
    then, now, o = two_events
    pledge(o["Echo"], now, Stage.DECLINED, "100")
    pledge(o["Echo"], now, Stage.APPROACHED, "400")
    with CaptureQueriesContext(connection) as queries:
        rows = comparisons.lapsed_details(comparisons.compare_events(now, then, lapsed=None))
    assert [(r.organisation, r.stage_now) for r in rows] == [("Delta", "Prospect"), ("Echo", "Approached")]
    assert len(queries) == 2  # the comparison with its lapsed rows, then their details


def test_pace_is_cumulative_by_days_before_each_event(two_events):
    then, now, _ = two_events
    Pledge.objects.filter(event=then).update(pledged_at=timezone.make_aware(datetime.datetime(2026, 9, 1, 12)))
    Pledge.objects.filter(event=then, organisation__name="Echo").update(
        pledged_at=timezone.make_aware(datetime.datetime(2026, 6, 3, 12))
    )
    pace = comparisons.pledge_pace([now, then])
    # Then: Echo 400 at 120 days before; Acme 1,000, Beta 1,000, Cobalt 2,000, Delta 3,000 at 30 days.
    assert pace[then.pk] == [(120, Decimal("400")), (30, Decimal("7400"))]


# -- the dashboard tab -----------------------------------------------------------------------------


def board(client, user, **params):
    client.force_login(user)
    return client.get(reverse("dashboards:dashboard_renewals"), params)


@time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False)
def test_the_renewals_tab_shows_the_figures(client, two_events, committee):
    _then, _now, _ = two_events
    response = board(client, committee)  # the next event by default, against the one before it
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Renewals — Summit 2027 against Summit 2026" in page
    figures = {f.key: f.value for f in response.context["board"].figures}
    assert figures["gave_before"] == 5 and figures["retained"] == 3 and figures["lapsed"] == 2 and figures["new"] == 2
    assert figures["retention_count"] == Decimal("0.6")
    assert 'id="chart-renewal-pace"' in page and 'id="chart-renewals"' in page
    assert 'aria-current="page" href="/dashboard/renewals/' in page  # a tab beside the others
    assert "Pipeline" in page and "Partners" in page and "Activity" in page


def test_filters_apply_to_the_organisations(client, two_events, organiser, committee):
    then, now, o = two_events
    o["Acme"].owner = organiser
    o["Acme"].save()
    response = board(client, committee, event=now.pk, compare=then.pk, owner=organiser.pk)
    figures = {f.key: f.value for f in response.context["board"].figures}
    assert figures["gave_before"] == 1 and figures["retained"] == 1


def test_any_two_events_and_an_event_with_none_before(client, two_events, committee):
    then, now, _ = two_events
    response = board(client, committee, event=then.pk)
    assert "Nothing to compare with" in response.content.decode()
    response = board(client, committee, event=then.pk, compare=now.pk)  # either way round
    figures = {f.key: f.value for f in response.context["board"].figures}
    # Gave to 2027: Acme, Beta, Cobalt, Fern, Gale (Delta is only asked); of those, three gave in 2026.
    assert figures["gave_before"] == 5 and figures["retained"] == 3


def grow(then, now, n, prefix, user):
    """n organisations of each class, with interactions, for the constant-queries tests."""
    for i in range(n):
        renewed, lapsed, new = org(f"{prefix}R{i}", owner=user), org(f"{prefix}L{i}", owner=user), org(f"{prefix}N{i}")
        pledge(renewed, then, Stage.PAID, "100")
        pledge(renewed, now, Stage.VERBAL, str(100 + i))
        pledge(lapsed, then, Stage.PAID, str(50 + i))
        pledge(new, now, Stage.CONFIRMED, "70")
        Interaction.objects.create(organisation=lapsed, kind="call", summary="x", occurred_at=timezone.now())


@pytest.mark.parametrize("csv_table", [None, "lapsed", "summary", "pace"])
def test_queries_do_not_grow_with_the_sponsors(client, two_events, committee, csv_table, django_assert_max_num_queries):
    then, now, _ = two_events
    client.force_login(committee)
    url = (
        reverse("dashboards:dashboard_csv", args=["renewals", csv_table])
        if csv_table
        else reverse("dashboards:dashboard_renewals")
    )
    counts = []
    for n, prefix in ((2, "S"), (60, "L")):  # 60 lapsed: more than the page's 50 rows
        grow(then, now, n, prefix, committee)
        with django_assert_max_num_queries(30), CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"event": now.pk})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_lapsed_csv_has_every_lapsed_sponsor_and_is_formula_safe(client, two_events, committee):
    then, now, o = two_events
    grow(then, now, 55, "X", committee)
    o["Echo"].name = '=HYPERLINK("http://x")'
    o["Echo"].save()
    client.force_login(committee)
    page = client.get(reverse("dashboards:dashboard_renewals"), {"event": now.pk}).context["board"]
    assert len(page.tables["lapsed"].rows) == 50 and page.tables["lapsed"].total == 57
    response = client.get(reverse("dashboards:dashboard_csv", args=["renewals", "lapsed"]), {"event": now.pk})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Organisation", "Last time", "Owner", "Last contact", "This time"]
    assert len(rows) == 1 + 57
    amounts = [Decimal(r[1]) for r in rows[1:]]
    assert amounts == sorted(amounts, reverse=True) and amounts[0] == Decimal("3000.00")
    assert ['\'=HYPERLINK("http://x")', "400.00", "com", "", "Not asked yet"] in rows
