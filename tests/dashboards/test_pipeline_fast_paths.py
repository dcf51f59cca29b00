"""The pipeline board's PostgreSQL fast paths (issue 16) give the figures plain loops give.

Top open pledges: each stage's largest, then ranked (PostgreSQL), or all ranked in SQL
(SQLite); month by month: months truncated in SQL (PostgreSQL) or bucketed by a CASE
(SQLite). Both databases run these tests; the expected values are Python over the fixtures.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from crm.models import Tag
from dashboards.boards import pipeline
from dashboards.filters import Criteria, pledge_q
from sponsors.models import (
    OPEN_STAGES,
    STAGE_PROBABILITY,
    Pledge,
    SponsorshipTier,
    Stage,
)
from tests.crm import factories

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def pipeline_world(organiser, committee, staff):
    """One event whose top ten is crowded: twelve equal verbal pledges (more than ten in one
    stage, tied), equal weighted values across stages (tied, broken by amount then age),
    pledges in closed stages that must never show, and a second event."""
    event = factories.event(name="Launch")
    other = factories.event(name="Other")
    gold = SponsorshipTier.objects.create(event=event, name="Gold", price=Decimal("5000"), slots=5)
    silver = SponsorshipTier.objects.create(event=event, name="Silver", price=Decimal("1000"), slots=5)
    tag = Tag.objects.create(name="warm")
    owners = [organiser, committee, staff]
    sectors = ["public", "private", "education", "voluntary"]
    pledges = []

    def pledge(amount, stage, i, ev=event):
        org = factories.organisation(
            name=f"Org {len(pledges):03d}",
            sector=sectors[i % 4],
            roles=("sponsor", "supplier") if i % 3 == 0 else ("sponsor",),
        )
        if i % 2 == 0:
            org.tags.add(tag)
        p = Pledge.objects.create(
            organisation=org,
            event=ev,
            amount=Decimal(amount),
            stage=stage,
            tier=(gold, silver, None)[i % 3] if ev == event else None,
            owner=owners[i % 3],
        )
        pledges.append(p)
        return p

    for i in range(12):
        pledge("10000.00", Stage.VERBAL, i)  # weighted 7,000 each
    for i, (amount, stage) in enumerate(
        [
            ("8000.00", Stage.PROSPECT),
            ("4000.00", Stage.APPROACHED),
            ("2000.00", Stage.IN_DISCUSSION),
            ("2000.00", Stage.IN_DISCUSSION),
        ]
    ):
        pledge(amount, stage, i)  # weighted 800 each
    for i in range(30):
        stage = OPEN_STAGES[i % len(OPEN_STAGES)]
        pledge(f"{500 + (i * 977) % 6000}.{i % 100:02d}", stage, i)  # weighted under 7,000
    for i, stage in enumerate([Stage.PAID, Stage.DECLINED, Stage.WITHDRAWN]):
        pledge("99999.00", stage, i)
    pledge("88888.00", Stage.CONFIRMED, 0, ev=other)
    return {"event": event, "other": other, "gold": gold, "tag": tag, "owner": committee}


def expected_top(criteria: Criteria, limit: int = 10):
    def matches(p):
        org = p.organisation
        return (
            p.event_id == criteria.event.pk
            and p.stage in OPEN_STAGES
            and (criteria.owner is None or p.owner_id == criteria.owner.pk)
            and (criteria.tier is None or p.tier_id == criteria.tier.pk)
            and (not criteria.stages or p.stage in criteria.stages)
            and (not criteria.sector or org.sector == criteria.sector)
            and (not criteria.role or org.is_supplier)
            and (criteria.tag is None or criteria.tag in org.tags.all())
        )

    chosen = [p for p in Pledge.objects.select_related("organisation") if matches(p)]
    chosen.sort(key=lambda p: (-p.amount * STAGE_PROBABILITY[Stage(p.stage)], -p.amount, p.pk))
    return [(p.pk, p.amount * STAGE_PROBABILITY[Stage(p.stage)]) for p in chosen[:limit]]


FILTERS = {
    "none": {},
    "owner": {"owner": "owner"},
    "tier": {"tier": "gold"},
    "sector": {"sector": "public"},
    "role": {"role": "supplier"},
    "tag": {"tag": "tag"},
    "two stages": {"stages": ("prospect", "in_discussion")},
    "one stage": {"stages": ("verbal",)},
}


@pytest.mark.parametrize("name", FILTERS)
def test_top_open_pledges_equal_a_sort_of_every_open_pledge(pipeline_world, name):
    fields = {key: pipeline_world.get(value, value) for key, value in FILTERS[name].items()}
    criteria = Criteria(event=pipeline_world["event"], **fields)
    expected = expected_top(criteria)
    assert expected  # every filter here leaves some pledges
    assert [(row["pk"], row["weighted"]) for row in pipeline.top_open(criteria)] == expected


def test_ties_within_a_stage_and_across_stages(pipeline_world):
    """Twelve equal verbal pledges: the ten oldest show. Equal weighted values in different
    stages: the larger amount first, then the older pledge."""
    event = pipeline_world["event"]
    verbal = list(Pledge.objects.filter(event=event, stage=Stage.VERBAL, amount=Decimal("10000")).order_by("pk"))
    top = pipeline.top_open(Criteria(event=event))
    assert [row["pk"] for row in top] == [p.pk for p in verbal[:10]]

    Pledge.objects.filter(event=event).exclude(amount__in=[Decimal("8000"), Decimal("4000"), Decimal("2000")]).delete()
    top = pipeline.top_open(Criteria(event=event))
    assert [row["weighted"] for row in top] == [Decimal("800")] * 4
    assert [(row["amount"], row["stage"]) for row in top] == [
        (Decimal("8000.00"), Stage.PROSPECT),
        (Decimal("4000.00"), Stage.APPROACHED),
        (Decimal("2000.00"), Stage.IN_DISCUSSION),
        (Decimal("2000.00"), Stage.IN_DISCUSSION),
    ]
    twins = [row["pk"] for row in top if row["amount"] == Decimal("2000.00") and row["stage"] == Stage.IN_DISCUSSION]
    assert twins == sorted(twins)


def test_top_open_is_empty_without_open_pledges(pipeline_world):
    event = pipeline_world["event"]
    assert pipeline.top_open(Criteria(event=event, stages=("paid", "declined"))) == []
    assert pipeline.top_open(Criteria(event=factories.event(name="Empty"))) == []


def test_the_page_shows_the_top_open_pledges_with_names_and_links(client, committee, pipeline_world):
    event = pipeline_world["event"]
    client.force_login(committee)
    rows = client.get(reverse("dashboards:dashboard"), {"event": event.pk}).context["board"].tables["top-open"].rows
    expected = expected_top(Criteria(event=event))
    pledges = Pledge.objects.select_related("organisation", "owner").in_bulk([pk for pk, _ in expected])
    assert [(r["organisation"], r["stage"], r["owner"], r["amount"], r["weighted"], r["_url"]) for r in rows] == [
        (
            p.organisation.name,
            p.get_stage_display(),
            p.owner.get_full_name() or p.owner.username,
            p.amount,
            p.weighted_amount,
            reverse("sponsors:pledge_detail", args=[p.pk]),
        )
        for p in (pledges[pk] for pk, _ in expected)
    ]


# -- month by month ------------------------------------------------------------------------------


def at(year, month, day, hour=12, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=datetime.UTC)


@pytest.fixture
def milestones(organiser):
    """Pledges first pledged and paid either side of local month ends: 23:30 UTC on 31 March is
    already April in London (summer time), 23:30 UTC on 31 October is still October."""
    event = factories.event(name="Launch")
    other = factories.event(name="Other")
    rows = [
        # amount, pledged_at, paid_at, event
        ("100.00", at(2026, 3, 31, 23, 30), None, event),  # April locally
        ("200.00", at(2026, 3, 31, 22, 30), at(2026, 4, 2), event),  # 23:30 BST: March
        ("300.50", at(2026, 10, 31, 23, 30), at(2026, 11, 30, 23, 59), event),  # October; paid November
        ("400.00", at(2026, 1, 15), at(2026, 6, 1), event),  # February to May quiet for pledging
        ("0.01", at(2026, 6, 30, 23, 1), None, event),  # July locally
        ("999.00", at(2026, 5, 5), at(2026, 5, 6), other),  # another event
    ]
    for i, (amount, pledged_at, paid_at, ev) in enumerate(rows):
        org = factories.organisation(name=f"Org {i}")
        p = Pledge.objects.create(
            organisation=org, event=ev, amount=Decimal(amount), stage=Stage.VERBAL, owner=organiser
        )
        Pledge.objects.filter(pk=p.pk).update(pledged_at=pledged_at, paid_at=paid_at)
    Pledge.objects.create(
        organisation=factories.organisation(name="Never pledged"),
        event=event,
        amount=Decimal("5000"),
        stage=Stage.PROSPECT,
    )
    return event


def expected_sums(event):
    pledged, paid = {}, {}
    for p in Pledge.objects.filter(event=event, pledged_at__isnull=False):
        for when, sums in ((p.pledged_at, pledged), (p.paid_at, paid)):
            if when is not None:
                month = when.astimezone(LONDON).date().replace(day=1)
                sums[month] = sums.get(month, Decimal("0")) + p.amount
    return pledged, paid


def test_both_ways_of_summing_months_agree_with_local_months(milestones):
    pledged, paid = expected_sums(milestones)
    assert pledged[datetime.date(2026, 4, 1)] == Decimal("100.00")
    assert pledged[datetime.date(2026, 3, 1)] == Decimal("200.00")
    assert pledged[datetime.date(2026, 10, 1)] == Decimal("300.50")
    pledges = Pledge.objects.filter(
        pledge_q(Criteria(event=milestones), created_in_range=False), pledged_at__isnull=False
    ).order_by()
    assert pipeline._monthly_sums_truncated(pledges) == (pledged, paid)
    bucketed_pledged, bucketed_paid, months = pipeline._monthly_sums_bucketed(pledges)
    assert (bucketed_pledged, bucketed_paid) == (pledged, paid)
    assert months == [datetime.date(2026, m, 1) for m in range(1, 12)]


def test_monthly_table_fills_quiet_months_and_keeps_to_the_date_range(milestones):
    pledged, paid = expected_sums(milestones)
    frame = pipeline.monthly(Criteria(event=milestones))
    assert list(frame["month"]) == [datetime.date(2026, m, 1) for m in range(1, 12)]
    assert list(frame["pledged"]) == [pledged.get(m, Decimal("0.00")) for m in frame["month"]]
    assert list(frame["paid"]) == [paid.get(m, Decimal("0.00")) for m in frame["month"]]
    assert frame["cumulative_pledged"].iloc[-1] == sum(pledged.values())
    assert frame["cumulative_paid"].iloc[-1] == sum(paid.values())

    ranged = pipeline.monthly(
        Criteria(event=milestones, date_from=datetime.date(2026, 3, 20), date_to=datetime.date(2026, 7, 10))
    )
    assert list(ranged["month"]) == [datetime.date(2026, m, 1) for m in range(3, 8)]
    assert list(ranged["pledged"]) == [
        Decimal("200.00"),
        Decimal("100.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.01"),
    ]


def test_monthly_is_empty_without_pledges(db):
    assert pipeline.monthly(Criteria(event=factories.event(name="Empty"))).empty


# -- stuck ---------------------------------------------------------------------------------------


def test_stuck_rows_carry_each_pledge_s_names_stage_and_amount(organiser, committee):
    """Read as plain rows: the owner's full name (or username, or blank for nobody), the stage's
    label and the pledge's own amount, longest stuck first."""
    event = factories.event(name="Launch")
    now = datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)
    organiser.first_name, organiser.last_name = "Olu", "Adebayo"
    organiser.save()
    for i, (owner, stage, days) in enumerate(
        [
            (organiser, Stage.VERBAL, 40),
            (committee, Stage.PROSPECT, 90),
            (None, Stage.CONFIRMED, 31),
            (organiser, Stage.APPROACHED, 5),
            (committee, Stage.PAID, 100),
        ]
    ):
        p = Pledge.objects.create(
            organisation=factories.organisation(name=f"Org {i}"),
            event=event,
            amount=Decimal(f"{i + 1}00.25"),
            stage=stage,
            owner=owner,
        )
        Pledge.objects.filter(pk=p.pk).update(stage_changed_at=now - datetime.timedelta(days=days))
    rows = pipeline.stuck(Criteria(event=event, stuck_days=30), now)
    assert [
        (r["organisation"], str(r["stage"].label), r["owner"], r["amount"], (now - r["stage_changed_at"]).days)
        for r in rows
    ] == [
        ("Org 1", "Prospect", committee.username, Decimal("200.25"), 90),
        ("Org 0", "Verbal pledge", "Olu Adebayo", Decimal("100.25"), 40),
        ("Org 2", "Confirmed in writing", "", Decimal("300.25"), 31),
    ]


# -- wins and losses -----------------------------------------------------------------------------


@pytest.mark.parametrize("filters", [{}, {"owner": 1}, {"sector": "private"}, {"stages": ("paid", "declined")}])
def test_latest_wins_and_losses_follow_the_pledge_filters(organiser, committee, staff, filters):
    from sponsors.models import PledgeStageChange
    from tests.dashboards.test_boards import build_world

    users = [organiser, committee, staff]
    event = build_world(30, users)[0]
    criteria = Criteria(event=event, **{k: users[v] if k == "owner" else v for k, v in filters.items()})
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=pipeline.RECENT_DAYS)
    changes = sorted(
        (
            c
            for c in PledgeStageChange.objects.select_related("pledge__organisation")
            if c.pledge.event_id == event.pk
            and c.changed_at >= since
            and (criteria.owner is None or c.pledge.owner_id == criteria.owner.pk)
            and (not criteria.sector or c.pledge.organisation.sector == criteria.sector)
            and (not criteria.stages or c.pledge.stage in criteria.stages)
        ),
        key=lambda c: (c.changed_at, c.pk),
        reverse=True,
    )
    expected_wins = [(c.pledge_id, c.to_stage) for c in changes if c.to_stage in (Stage.CONFIRMED, Stage.PAID)]
    expected_losses = [(c.pledge_id, c.to_stage) for c in changes if c.to_stage in (Stage.DECLINED, Stage.WITHDRAWN)]

    wins, losses, win_count, loss_count = pipeline.wins_and_losses(criteria, limit=2)

    assert (win_count, loss_count) == (len(expected_wins), len(expected_losses))
    assert [(c["pledge_id"], c["to_stage"]) for c in wins] == expected_wins[:2]
    assert [(c["pledge_id"], c["to_stage"]) for c in losses] == expected_losses[:2]
    assert win_count + loss_count > 0


def test_no_wins_or_losses_in_the_period(db):
    assert pipeline.wins_and_losses(Criteria(event=factories.event(name="Quiet")), limit=50) == ([], [], 0, 0)
