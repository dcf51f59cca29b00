"""Committee dashboards: every figure equals a sum computed here, over the objects created here.

The expected values are plain Python loops over the fixtures (exact Decimal),
never the dashboard's own selectors.
"""

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Event, FollowUp, Interaction, Organisation, Tag
from dashboards import charts
from dashboards.models import SavedView
from partners.models import Favour, PartnerProfile
from sponsors.models import (
    OPEN_STAGES,
    PLEDGED_STAGES,
    STAGE_PROBABILITY,
    InKindContribution,
    Pledge,
    PledgeStageChange,
    SponsorshipTier,
    Stage,
)
from sponsors.services import create_pledge, move_pledge
from tests.conftest import make_user

PENNY = Decimal("0.01")
PATH = list(Stage)[:7]  # prospect → paid
FINALS = [
    Stage.PROSPECT,
    Stage.APPROACHED,
    Stage.IN_DISCUSSION,
    Stage.VERBAL,
    Stage.CONFIRMED,
    Stage.INVOICED,
    Stage.PAID,
    Stage.DECLINED,
    Stage.WITHDRAWN,
    Stage.VERBAL,
    Stage.IN_DISCUSSION,
]
SECTORS = ["private", "public", "education", "voluntary"]
KINDS = list(Interaction.Kind.values)
CATEGORIES = ["venue", "catering", "av", "lanyards", "printing", "other"]
INKIND_STATUSES = ["offered", "confirmed", "delivered", "declined", "offered"]
DIRECTIONS = ["we_asked", "they_offered", "we_owe"]
FAVOUR_STATUSES = ["asked", "agreed", "done", "returned", "declined"]


def days_ago(now, days, hour=11):
    return (now - datetime.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def build_world(n: int, users, *, prefix: str = "W"):
    """n organisations, each with a pledge moved along the stages, interactions, a follow-up,
    and (for some) in-kind offers, favours and a partner profile."""
    now = timezone.now()
    today = timezone.localdate()
    event = Event.objects.create(
        name=f"{prefix} launch",
        date=today + datetime.timedelta(days=60),
        sponsorship_target=Decimal("50000.00"),
        in_kind_target=Decimal("9000.00"),
    )
    other = Event.objects.create(
        name=f"{prefix} last year", date=today - datetime.timedelta(days=300), sponsorship_target=Decimal("7000.00")
    )
    tiers = [
        SponsorshipTier.objects.create(event=event, name="Gold", price=Decimal("5000.00"), slots=2),
        SponsorshipTier.objects.create(event=event, name="Silver", price=Decimal("1250.50"), slots=3),
        SponsorshipTier.objects.create(event=event, name="Bronze", price=Decimal("333.33"), slots=10),
        None,
    ]
    tags = [Tag.objects.create(name=f"{prefix}-nhs"), Tag.objects.create(name=f"{prefix}-warm")]
    for i in range(n):
        owner = users[i % len(users)]
        org = Organisation(name=f"{prefix} Org {i:03d}", sector=SECTORS[i % 4], owner=users[(i + 1) % len(users)])
        org.set_roles(
            ["sponsor"]
            + (["supplier"] if i % 4 == 0 else [])
            + (["training_provider"] if i % 5 == 0 else [])
            + (["public_body"] if i % 7 == 3 else [])
        )
        org.save()
        org.tags.set([tags[0]] if i % 3 == 0 else [tags[1]] if i % 3 == 1 else [])
        this_event = other if i % 6 == 5 else event
        tier = tiers[i % 4] if this_event == event else None
        amount = Decimal(f"{1000 + i * 137}.{(i * 7) % 100:02d}")
        final = FINALS[i % len(FINALS)]
        start_days = 20 + (i * 13) % 170 if final in PATH else 20 + i % 30  # some losses are recent
        start = days_ago(now, start_days)
        pledge = create_pledge(
            changed_at=start,
            organisation=org,
            event=this_event,
            tier=tier,
            amount=amount,
            stage=Stage.PROSPECT,
            owner=owner,
        )
        Pledge.objects.filter(pk=pledge.pk).update(created_at=start)
        path = PATH[1 : PATH.index(final) + 1] if final in PATH else [Stage.APPROACHED, final]
        step = 2 + i % 9
        for k, stage in enumerate(path, start=1):
            when = min(start + datetime.timedelta(days=k * step), now - datetime.timedelta(hours=1))
            reason = f"Reason {i}: no budget" if stage in (Stage.DECLINED, Stage.WITHDRAWN) else ""
            pledge = move_pledge(pledge, stage, reason=reason, changed_at=when)
        if i % 4 != 3:
            for j in range(1 + i % 3):
                Interaction.objects.create(
                    organisation=org,
                    kind=KINDS[(i + j) % len(KINDS)],
                    summary=f"Talk {i}/{j}",
                    occurred_at=days_ago(now, (i * 11 + j * 17) % 130),
                    logged_by=users[(i + j) % len(users)],
                )
        FollowUp.objects.create(
            title=f"Chase {i}",
            due_date=today - datetime.timedelta(days=(i % 5) - 2),
            assignee=users[i % len(users)] if i % 6 else None,
            organisation=org,
            status=FollowUp.Status.DONE if i % 7 == 6 else FollowUp.Status.OPEN,
        )
        if i % 2 == 0:
            item = InKindContribution.objects.create(
                organisation=org,
                event=this_event,
                category=CATEGORIES[(i // 2) % len(CATEGORIES)],
                description=f"Goods {i}",
                estimated_value=Decimal(f"{100 + i * 31}.{i % 100:02d}"),
                status=INKIND_STATUSES[(i // 2) % len(INKIND_STATUSES)],
                owner=users[i % len(users)],
            )
            InKindContribution.objects.filter(pk=item.pk).update(created_at=start)
        if i % 3 != 2:
            Favour.objects.create(
                organisation=org,
                direction=DIRECTIONS[i % 3],
                description=f"Favour {i}",
                estimated_value=Decimal(f"{50 + i * 17}.{(i * 3) % 100:02d}"),
                status=FAVOUR_STATUSES[i % 5],
                event=this_event if i % 2 else None,
                occurred_on=(now - datetime.timedelta(days=i * 3)).date(),
            )
        if org.is_supplier or org.is_training_provider:
            PartnerProfile.objects.create(
                organisation=org,
                offer_type=list(PartnerProfile.OfferType.values)[i % 5],
                status=list(PartnerProfile.Status.values)[i % 5],
            )
    return event, other, tiers, tags


@pytest.fixture
def users(organiser, committee, staff):
    return [organiser, committee, staff]


@pytest.fixture
def world(users):
    return build_world(24, users)


def get_board(client, user, url_name="dashboards:dashboard", params=None):
    client.force_login(user)
    response = client.get(reverse(url_name), params or {})
    assert response.status_code == 200
    return response


# -- independent expectations -------------------------------------------------------------


def expected_pipeline(pledges):
    def total(stages):
        return sum((p.amount for p in pledges if p.stage in stages), Decimal("0.00"))

    forecast = Decimal("0")
    for p in pledges:
        forecast += p.amount * STAGE_PROBABILITY[Stage(p.stage)]
    return {
        "pledged": total(PLEDGED_STAGES),
        "confirmed": total([Stage.CONFIRMED, Stage.INVOICED, Stage.PAID]),
        "invoiced": total([Stage.INVOICED, Stage.PAID]),
        "paid": total([Stage.PAID]),
        "forecast": forecast.quantize(PENNY),
    }


def csv_rows(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# -- pipeline ------------------------------------------------------------------------------


def test_pipeline_figures_equal_sums_over_the_pledges(client, committee, world):
    event = world[0]
    board = get_board(client, committee).context["board"]
    pledges = list(Pledge.objects.filter(event=event))
    expected = expected_pipeline(pledges)
    assert board.figure("target") == Decimal("50000.00")
    for key, value in expected.items():
        assert board.figure(key) == value, key
    assert expected["pledged"] > 0 and expected["paid"] > 0


def test_pipeline_page_shows_the_figures_formatted(client, committee, world):
    response = get_board(client, committee)
    expected = expected_pipeline(list(Pledge.objects.filter(event=world[0])))
    html = response.content.decode()
    assert f"£{expected['pledged']:,.0f}" in html
    assert "Sponsorship pipeline — W launch" in html
    assert 'type="application/json" id="chart-stages-data"' in html
    assert "vendor/plotly/plotly.min.js" in html
    assert "<script>" not in html  # no inline script: charts are JSON data blocks


@pytest.mark.parametrize(
    "url_name",
    [
        "dashboards:dashboard",
        "dashboards:dashboard_inkind",
        "dashboards:dashboard_partners",
        "dashboards:dashboard_activity",
        "dashboards:dashboard_renewals",
    ],
)
def test_every_chart_is_a_valid_plotly_figure(client, committee, world, url_name):
    """Charts are built as plain JSON for speed; plotly's own schema check runs here instead."""
    html = get_board(client, committee, url_name).content.decode()
    blocks = re.findall(r'<script type="application/json" id="(chart-[\w-]+)-data">(.*?)</script>', html, re.DOTALL)
    assert blocks
    for chart_id, text in blocks:
        payload = json.loads(text)
        assert payload.pop("config")["displayModeBar"] is False
        figure = charts.validate(payload)
        assert figure.data and all(len(trace.x) == len(trace.y) for trace in figure.data), chart_id


def test_forecast_chart_marks_the_target(client, committee, world):
    html = get_board(client, committee).content.decode()
    payload = json.loads(re.search(r'id="chart-forecast-data">(.*?)</script>', html, re.DOTALL).group(1))
    (shape,) = payload["layout"]["shapes"]
    assert shape["x0"] == shape["x1"] == 50000.0


@pytest.mark.clock
def test_default_event_is_the_next_upcoming_one(client, committee, world):
    event = world[0]
    Event.objects.create(name="Much later", date=event.date + datetime.timedelta(days=100))
    assert get_board(client, committee).context["criteria"].event == event
    Event.objects.filter(date__gte=timezone.localdate()).update(date=timezone.localdate() - datetime.timedelta(days=1))
    latest = Event.objects.order_by("-date", "name").first()
    assert get_board(client, committee).context["criteria"].event == latest


def test_pipeline_by_stage_counts_totals_and_weighted(client, committee, world):
    event = world[0]
    table = get_board(client, committee).context["board"].tables["stages"]
    pledges = list(Pledge.objects.filter(event=event))
    for row in table.rows:
        stage = next(s for s in Stage if s.label == row["stage"])
        mine = [p for p in pledges if p.stage == stage]
        assert row["count"] == len(mine)
        assert row["total"] == sum((p.amount for p in mine), Decimal("0.00"))
        assert row["weighted"] == (sum((p.amount for p in mine), Decimal("0")) * STAGE_PROBABILITY[stage]).quantize(
            PENNY
        )
    assert table.footer["count"] == len(pledges)


def test_tier_slots_sold_against_available(client, committee, world):
    event = world[0]
    rows = get_board(client, committee).context["board"].tables["tiers"].rows
    assert [r["tier"] for r in rows] == ["Gold", "Silver", "Bronze"]
    for row in rows:
        tier = SponsorshipTier.objects.get(event=event, name=row["tier"])
        sold = sum(1 for p in Pledge.objects.filter(event=event) if p.tier_id == tier.pk and p.stage in PLEDGED_STAGES)
        assert (row["sold"], row["slots"]) == (sold, tier.slots)


def test_top_open_pledges_by_weighted_value(client, committee, world):
    rows = get_board(client, committee).context["board"].tables["top-open"].rows
    open_pledges = [p for p in Pledge.objects.filter(event=world[0]) if p.stage in OPEN_STAGES]
    expected = sorted(open_pledges, key=lambda p: (-p.amount * STAGE_PROBABILITY[Stage(p.stage)], -p.amount, p.pk))[:10]
    assert [r["organisation"] for r in rows] == [p.organisation.name for p in expected]
    assert [r["weighted"] for r in rows] == [p.weighted_amount for p in expected]


@pytest.mark.clock
@pytest.mark.parametrize("days", [30, 10, 90])
def test_stuck_pledges_use_the_last_stage_change(client, committee, world, days):
    now = timezone.now()
    rows = get_board(client, committee, params={"stuck_days": days}).context["board"].tables["stuck"].rows
    expected = set()
    for p in Pledge.objects.filter(event=world[0], stage__in=OPEN_STAGES):
        last = PledgeStageChange.objects.filter(pledge=p).order_by("-changed_at", "-id").first()
        if last.changed_at < now - datetime.timedelta(days=days):
            expected.add(p.organisation.name)
    assert {r["organisation"] for r in rows} == expected
    assert all(r["days"] > days - 1 for r in rows)


@pytest.mark.clock
def test_recent_wins_and_losses_with_reasons(client, committee, world):
    board = get_board(client, committee).context["board"]
    cutoff = timezone.now() - datetime.timedelta(days=60)
    changes = [
        c
        for c in PledgeStageChange.objects.select_related("pledge__organisation")
        if c.pledge.event_id == world[0].pk and c.changed_at >= cutoff
    ]
    wins = {
        (c.pledge.organisation.name, c.get_to_stage_display())
        for c in changes
        if c.to_stage in (Stage.CONFIRMED, Stage.PAID)
    }
    losses = {
        (c.pledge.organisation.name, c.pledge.lost_reason)
        for c in changes
        if c.to_stage in (Stage.DECLINED, Stage.WITHDRAWN)
    }
    assert {(r["organisation"], r["stage"]) for r in board.tables["wins"].rows} == wins
    assert {(r["organisation"], r["reason"]) for r in board.tables["losses"].rows} == losses
    assert wins and losses


def test_pledged_against_paid_month_by_month(client, committee, world):
    rows = get_board(client, committee).context["board"].tables["monthly"].rows
    pledged, paid = {}, {}
    for p in Pledge.objects.filter(event=world[0]):
        changes = list(PledgeStageChange.objects.filter(pledge=p))
        reached = [c.changed_at for c in changes if c.to_stage in PLEDGED_STAGES]
        if reached:
            month = timezone.localtime(min(reached)).strftime("%b %Y")
            pledged[month] = pledged.get(month, Decimal("0")) + p.amount
        paid_at = [c.changed_at for c in changes if c.to_stage == Stage.PAID]
        if paid_at:
            month = timezone.localtime(min(paid_at)).strftime("%b %Y")
            paid[month] = paid.get(month, Decimal("0")) + p.amount
    shown = {r["month"]: r for r in rows}
    for month, value in pledged.items():
        assert shown[month]["pledged"] == value
    for month, value in paid.items():
        assert shown[month]["paid"] == value
    assert sum((r["pledged"] for r in rows), Decimal("0")) == sum(pledged.values(), Decimal("0"))
    assert rows[-1]["cumulative_paid"] == sum(paid.values(), Decimal("0"))


def test_empty_database_shows_helpful_empty_states(client, committee):
    for name in (
        "dashboards:dashboard",
        "dashboards:dashboard_inkind",
        "dashboards:dashboard_partners",
        "dashboards:dashboard_activity",
        "dashboards:dashboard_renewals",
    ):
        response = get_board(client, committee, name)
        assert "Nothing to show" in response.content.decode() or "No " in response.content.decode()


# -- in-kind ---------------------------------------------------------------------------------


def test_inkind_value_by_category_and_status(client, committee, world):
    event = world[0]
    board = get_board(client, committee, "dashboards:dashboard_inkind").context["board"]
    items = list(InKindContribution.objects.filter(event=event))
    table = board.tables["by-category"]
    for row in table.rows:
        category = next(c for c in InKindContribution.Category if c.label == row["category"])
        for status in InKindContribution.Status:
            assert row[status.value] == sum(
                (i.estimated_value for i in items if i.category == category and i.status == status), Decimal("0.00")
            )
    assert board.figure("offered") == sum((i.estimated_value for i in items if i.status == "offered"), Decimal("0"))
    assert board.figure("secured") == sum(
        (i.estimated_value for i in items if i.status in ("confirmed", "delivered")), Decimal("0")
    )
    offered = {r["description"] for r in board.tables["offered"].rows}
    assert offered == {i.description for i in items if i.status == "offered"}


def test_inkind_essentials_covered_or_not(client, committee, world):
    event = world[0]
    items = list(InKindContribution.objects.filter(event=event))
    response = get_board(client, committee, "dashboards:dashboard_inkind")
    rows = {r["category"]: r for r in response.context["board"].tables["essentials"].rows}
    for category in ("venue", "catering", "av", "lanyards"):
        label = InKindContribution.Category(category).label
        covered = any(i.category == category and i.status in ("confirmed", "delivered") for i in items)
        assert rows[label]["status"] == ("Covered" if covered else "Not covered")
    assert "Not covered" in [r["status"] for r in rows.values()]
    assert "text-danger" in response.content.decode()


# -- partners -------------------------------------------------------------------------------


def test_partner_counts_by_status_and_offer_type(client, committee, world):
    board = get_board(client, committee, "dashboards:dashboard_partners").context["board"]
    profiles = list(PartnerProfile.objects.select_related("organisation"))
    by_status = {r["label"]: r for r in board.tables["by-status"].rows}
    for status in PartnerProfile.Status:
        assert by_status[status.label]["supplier"] == sum(
            1 for p in profiles if p.status == status and p.organisation.is_supplier
        )
        assert by_status[status.label]["training_provider"] == sum(
            1 for p in profiles if p.status == status and p.organisation.is_training_provider
        )
    by_type = {r["label"]: r for r in board.tables["by-offer-type"].rows}
    for offer in PartnerProfile.OfferType:
        assert by_type[offer.label]["supplier"] == sum(
            1 for p in profiles if p.offer_type == offer and p.organisation.is_supplier
        )


def test_favours_balance_and_owed(client, committee, world):
    board = get_board(client, committee, "dashboards:dashboard_partners").context["board"]
    favours = list(Favour.objects.select_related("organisation"))
    expected = {}
    for f in favours:
        received = f.direction in ("we_asked", "they_offered") and f.status in ("done", "returned")
        returned = f.direction == "we_owe" and f.status in ("done", "returned")
        if received or returned:
            row = expected.setdefault(f.organisation.name, [Decimal("0"), Decimal("0")])
            row[0 if received else 1] += f.estimated_value
    rows = {r["organisation"]: r for r in board.tables["balances"].rows}
    assert set(rows) == set(expected)
    for name, (received, returned) in expected.items():
        assert (rows[name]["received"], rows[name]["returned"], rows[name]["balance"]) == (
            received,
            returned,
            received - returned,
        )
    owed = {r["description"] for r in board.tables["owed"].rows}
    assert owed == {f.description for f in favours if f.direction == "we_owe" and f.status in ("asked", "agreed")}


# -- activity ---------------------------------------------------------------------------------


@pytest.mark.clock
def test_interactions_per_week_by_kind_and_owner(client, committee, world):
    board = get_board(client, committee, "dashboards:dashboard_activity").context["board"]
    today = timezone.localdate()
    first_week = today - datetime.timedelta(days=today.weekday()) - datetime.timedelta(weeks=11)
    counts_kind, counts_owner = {}, {}
    for i in Interaction.objects.select_related("logged_by"):
        day = timezone.localtime(i.occurred_at).date()
        if first_week <= day <= today:
            week = day - datetime.timedelta(days=day.weekday())
            counts_kind[(week, i.kind)] = counts_kind.get((week, i.kind), 0) + 1
            counts_owner[(week, i.logged_by.username)] = counts_owner.get((week, i.logged_by.username), 0) + 1
    rows = board.tables["by-kind"].rows
    assert len(rows) == 12
    for row in rows:
        for kind in Interaction.Kind.values:
            assert row.get(kind, 0) == counts_kind.get((row["week"], kind), 0)
    for row in board.tables["by-owner"].rows:
        for username in ("org", "com", "stf"):
            assert row.get(username, 0) == counts_owner.get((row["week"], username), 0)
    assert board.figure("interactions") == sum(counts_kind.values())


def test_weekly_counts_in_a_date_range_split_across_several_queries(client, committee, world, monkeypatch):
    """A mid-week range: the first and last weeks count only the days in range, and a
    range of more weeks than one compound query holds still counts every interaction."""
    from dashboards.boards import activity

    monkeypatch.setattr(activity, "WEEKS_PER_QUERY", 3)
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=52), today - datetime.timedelta(days=3)
    board = get_board(
        client, committee, "dashboards:dashboard_activity", {"date_from": start.isoformat(), "date_to": end.isoformat()}
    ).context["board"]
    expected = {}
    for i in Interaction.objects.all():
        day = timezone.localtime(i.occurred_at).date()
        if start <= day <= end:
            week = day - datetime.timedelta(days=day.weekday())
            expected[week] = expected.get(week, 0) + 1
    rows = board.tables["by-kind"].rows
    assert len(rows) > 6 and rows[0]["week"] <= start
    assert {row["week"]: row["total"] for row in rows if row["total"]} == expected
    assert board.figure("interactions") == sum(expected.values()) > 0


@pytest.mark.clock
def test_not_contacted_buckets_and_overdue_by_assignee(client, committee, world):
    board = get_board(client, committee, "dashboards:dashboard_activity").context["board"]
    now = timezone.now()
    expected = {}
    for org in Organisation.objects.all():
        if not Pledge.objects.filter(organisation=org, stage__in=OPEN_STAGES).exists():
            continue
        times = [i.occurred_at for i in Interaction.objects.filter(organisation=org)]
        days = (now - max(times)).days if times else None
        if days is None or days >= 90:
            expected[org.name] = "90 days or more"
        elif days >= 60:
            expected[org.name] = "60–89 days"
        elif days >= 30:
            expected[org.name] = "30–59 days"
    assert {r["organisation"]: r["bucket"] for r in board.tables["not-contacted"].rows} == expected
    summary = {r["bucket"]: r["count"] for r in board.tables["not-contacted-summary"].rows}
    assert sum(summary.values()) == len(expected)

    today = timezone.localdate()
    overdue = {}
    for f in FollowUp.objects.select_related("assignee"):
        if f.status == "open" and f.due_date < today:
            name = (f.assignee.get_full_name() or f.assignee.username) if f.assignee else "Unassigned"
            overdue[name] = overdue.get(name, 0) + 1
    assert {r["assignee"]: r["count"] for r in board.tables["overdue-by-assignee"].rows} == overdue


# -- constant queries -----------------------------------------------------------------------

BOUND = 30


@pytest.mark.parametrize(
    "url_name",
    [
        "dashboards:dashboard",
        "dashboards:dashboard_inkind",
        "dashboards:dashboard_partners",
        "dashboards:dashboard_activity",
        "dashboards:dashboard_print",
    ],
)
def test_queries_do_not_grow_with_the_data(client, users, url_name, django_assert_max_num_queries):
    counts = []
    for size, prefix in ((5, "S"), (60, "L")):
        build_world(size, users, prefix=prefix)
        Event.objects.filter(name__startswith="S").update(date=timezone.localdate() - datetime.timedelta(days=400))
        client.force_login(users[1])
        with django_assert_max_num_queries(BOUND), CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(url_name), {"stuck_days": 5})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_csv_queries_are_constant(client, users, django_assert_max_num_queries):
    build_world(60, users)
    client.force_login(users[1])
    with django_assert_max_num_queries(BOUND):
        assert client.get(reverse("dashboards:dashboard_csv", args=["pipeline", "stages"])).status_code == 200


# -- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "board, table",
    [
        ("pipeline", "stages"),
        ("pipeline", "top-open"),
        ("inkind", "by-category"),
        ("partners", "balances"),
        ("activity", "by-kind"),
        ("renewals", "summary"),
    ],
)
def test_csv_matches_the_table(client, committee, world, board, table):
    url_name = {
        "pipeline": "dashboards:dashboard",
        "inkind": "dashboards:dashboard_inkind",
        "partners": "dashboards:dashboard_partners",
        "activity": "dashboards:dashboard_activity",
        "renewals": "dashboards:dashboard_renewals",
    }[board]
    params = {"sector": "private"} if board == "pipeline" else {}
    shown = get_board(client, committee, url_name, params).context["board"].tables[table]
    response = client.get(reverse("dashboards:dashboard_csv", args=[board, table]), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0] == [c.label for c in shown.columns]
    body = rows[1 : len(shown.rows) + 1]
    assert len(body) == len(shown.rows) and shown.rows
    for line, row in zip(body, shown.rows):
        for cell, column in zip(line, shown.columns):
            value = row.get(column.key)
            if column.kind == "money":
                assert Decimal(cell) == value
            elif column.kind == "date":
                assert cell == value.isoformat()
            elif column.kind == "int":
                assert int(cell) == value
            elif column.kind == "text":
                assert cell.lstrip("'") == str(value or "")


def test_csv_neutralises_formulas(client, committee, users):
    _event, *_ = build_world(3, users)
    Organisation.objects.filter(name="W Org 001").update(name='=HYPERLINK("http://x")')
    Organisation.objects.filter(name="W Org 002").update(name="@SUM(1)")
    client.force_login(committee)
    rows = csv_rows(client.get(reverse("dashboards:dashboard_csv", args=["pipeline", "top-open"])))
    names = [r[0] for r in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in names and "'@SUM(1)" in names


def test_csv_unknown_table_is_404(client, committee):
    client.force_login(committee)
    assert client.get(reverse("dashboards:dashboard_csv", args=["pipeline", "nope"])).status_code == 404
    assert client.get(reverse("dashboards:dashboard_csv", args=["nope", "stages"])).status_code == 404


# -- permissions, saved views, print --------------------------------------------------------

DASHBOARDS = [
    "dashboards:dashboard",
    "dashboards:dashboard_inkind",
    "dashboards:dashboard_partners",
    "dashboards:dashboard_activity",
    "dashboards:dashboard_renewals",
    "dashboards:dashboard_print",
]


@pytest.mark.parametrize("url_name", DASHBOARDS)
def test_committee_sees_every_dashboard_read_only(client, committee, world, url_name):
    client.force_login(committee)
    assert client.get(reverse(url_name)).status_code == 200
    assert client.post(reverse(url_name), {}).status_code == 405


@pytest.mark.parametrize("url_name", DASHBOARDS)
def test_dashboards_need_the_view_pledge_permission(client, django_user_model, url_name):
    nobody = make_user(django_user_model, "nobody")
    client.force_login(nobody)
    assert client.get(reverse(url_name)).status_code == 403
    client.logout()
    assert client.get(reverse(url_name)).status_code == 302


def test_committee_saves_shares_and_deletes_a_view(client, committee, organiser, world):
    client.force_login(committee)
    response = client.post(
        reverse("dashboards:saved_view_create"),
        {
            "name": "Private sponsors",
            "shared": "on",
            "url_name": "dashboards:dashboard",
            "query_string": "sector=private&stage=verbal&stage=paid&junk=1",
        },
    )
    view = SavedView.objects.get(owner=committee)
    assert (view.name, view.shared, view.url_name) == ("Private sponsors", True, "dashboards:dashboard")
    assert view.query_string == "sector=private&stage=verbal&stage=paid"
    assert response.status_code == 302 and response["Location"].endswith("?sector=private&stage=verbal&stage=paid")

    # Shared: the organiser sees it in the dropdown but cannot delete it.
    client.force_login(organiser)
    assert "Private sponsors" in client.get(reverse("dashboards:dashboard")).content.decode()
    assert client.post(reverse("dashboards:saved_view_delete", args=[view.pk])).status_code == 404

    client.force_login(committee)
    confirm = client.get(reverse("dashboards:saved_view_delete", args=[view.pk]))
    assert confirm.status_code == 200 and "Delete the saved view" in confirm.content.decode()
    assert client.post(reverse("dashboards:saved_view_delete", args=[view.pk])).status_code == 302
    assert not SavedView.objects.exists()


def test_private_views_stay_private(client, committee, organiser, world):
    SavedView.objects.create(owner=organiser, name="My secret view", url_name="dashboards:dashboard", query_string="")
    client.force_login(committee)
    assert "My secret view" not in client.get(reverse("dashboards:dashboard")).content.decode()


def test_saving_a_view_without_a_name_explains(client, committee, world):
    client.force_login(committee)
    response = client.post(
        reverse("dashboards:saved_view_create"),
        {"name": "", "url_name": "dashboards:dashboard", "query_string": ""},
        follow=True,
    )
    assert "Give the view a name" in response.content.decode()
    assert not SavedView.objects.exists()


def test_print_view_has_title_date_and_filters_in_words(client, committee, world, users):
    client.force_login(committee)
    response = client.get(
        reverse("dashboards:dashboard_print"), {"sector": "public", "owner": users[0].pk, "stage": ["verbal", "paid"]}
    )
    html = response.content.decode()
    assert "Sponsorship pipeline — W launch" in html
    assert timezone.localdate().strftime("%-d %B %Y") in html
    assert "Sector: Public" in html and "Owner: Olivia Organiser" in html
    assert "Stage: Verbal pledge, Paid" in html
    assert "Main navigation" not in html
    assert "@media print" in Path("static/dashboards/dashboard.css").read_text()


def test_lists_of_records_stack_on_a_phone_and_tables_of_figures_keep_their_grid(client, committee, world):
    """A record list's cells carry their column's name, which a phone shows beside each value
    (static/crm/app.css, as for the lists); a figure never splits across lines."""
    html = get_board(client, committee).content.decode()
    stuck = re.search(r'<div class="([^"]*)"[^>]*>\s*<table[^>]*data-table="stuck".*?</table>', html, re.DOTALL)
    assert "table-container" in stuck.group(1).split()
    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", stuck.group(0), re.DOTALL).group(1)
    assert re.findall(r'data-label="([^"]*)"', first_row) == [
        "Organisation",
        "Stage",
        "Owner",
        "In this stage since",
        "Days",
        "Amount",
    ]
    stages = re.search(r'<div class="([^"]*)"[^>]*>\s*<table[^>]*data-table="stages".*?</table>', html, re.DOTALL)
    assert "table-container" not in stages.group(1).split() and "data-label" not in stages.group(0)
