"""Queries rewritten for speed at scale (issue 16) give the figures the plain loops give.

Each test compares with Python over the fixtures, never with the dashboards' own selectors.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards.boards import pipeline
from dashboards.filters import Criteria
from sponsors.models import PledgeStageChange, Stage
from tests.dashboards.test_boards import build_world

WINS = (Stage.CONFIRMED, Stage.PAID)
LOSSES = (Stage.DECLINED, Stage.WITHDRAWN)


@pytest.fixture
def world(organiser, committee, staff):
    return build_world(30, [organiser, committee, staff])


def expected_changes(event, stages, since):
    changes = [
        c
        for c in PledgeStageChange.objects.select_related("pledge__organisation")
        if c.pledge.event_id == event.pk and c.changed_at >= since and c.to_stage in stages
    ]
    changes.sort(key=lambda c: (c.changed_at, c.pk), reverse=True)
    return [(c.pledge.organisation.name, c.to_stage, c.changed_at) for c in changes]


@pytest.mark.parametrize("limit", [1, 3, 1000])
def test_the_latest_wins_and_losses_and_how_many_there_are(world, limit):
    event = world[0]
    now = timezone.now()
    since = now - datetime.timedelta(days=pipeline.RECENT_DAYS)
    wins, losses, win_count, loss_count = pipeline.wins_and_losses(Criteria(event=event), now, limit)

    expected_wins, expected_losses = expected_changes(event, WINS, since), expected_changes(event, LOSSES, since)
    assert len(expected_wins) > 3 and len(expected_losses) > 3  # the small limits cut both lists
    assert (win_count, loss_count) == (len(expected_wins), len(expected_losses))
    assert [(c["organisation"], c["to_stage"], c["changed_at"]) for c in wins] == expected_wins[:limit]
    assert [(c["organisation"], c["to_stage"], c["changed_at"]) for c in losses] == expected_losses[:limit]


def test_wins_and_losses_carry_each_pledge_s_amount_organisation_and_reason(world):
    """The names, amounts and reasons joined to the rows kept belong to each change's own pledge."""
    event = world[0]
    wins, losses, _, _ = pipeline.wins_and_losses(Criteria(event=event), limit=3)
    by_pk = {c.pk: c for c in PledgeStageChange.objects.select_related("pledge__organisation")}
    changes = {(c.pledge_id, c.changed_at, c.to_stage): c for c in by_pk.values()}
    for row in wins + losses:
        change = changes[(row["pledge_id"], row["changed_at"], row["to_stage"])]
        assert (row["organisation"], row["organisation_id"], row["amount"], row["lost_reason"], row["note"]) == (
            change.pledge.organisation.name,
            change.pledge.organisation_id,
            change.pledge.amount,
            change.pledge.lost_reason,
            change.note,
        )
    assert any(row["lost_reason"] for row in losses)


def test_no_wins_still_counts_the_losses(world):
    event = world[0]
    PledgeStageChange.objects.filter(pledge__event=event, to_stage__in=WINS).delete()
    wins, losses, win_count, loss_count = pipeline.wins_and_losses(Criteria(event=event), limit=2)
    assert (wins, win_count) == ([], 0)
    assert len(losses) == 2 and loss_count > 2


def test_the_page_says_how_many_wins_there_are_beyond_those_shown(client, committee, world, monkeypatch):
    monkeypatch.setattr(pipeline, "RECENT_SHOWN", 2)
    event = world[0]
    since = timezone.now() - datetime.timedelta(days=pipeline.RECENT_DAYS)
    client.force_login(committee)
    board = client.get(reverse("dashboards:dashboard"), {"event": event.pk}).context["board"]
    assert len(board.tables["wins"].rows) == 2
    assert board.tables["wins"].total == len(expected_changes(event, WINS, since))
    assert board.tables["losses"].total == len(expected_changes(event, LOSSES, since))


def test_table_rows_built_in_python_are_escaped_and_linked():
    """The rows the template used to build cell by cell: same markup, every value escaped."""
    from decimal import Decimal

    from dashboards.boards.base import Column, Table

    table = Table(
        "t",
        "T",
        [Column("organisation", "Organisation"), Column("amount", 'Amount "£"', "money"), Column("status", "Status")],
        [
            {
                "organisation": '<script>alert("x")</script> & Co',
                "amount": Decimal("1234"),
                "status": "Not covered",
                "_url": '/organisations/1/?a=1&b="2"',
                "_danger": True,
            },
            {"organisation": "No link here", "amount": None, "status": "Covered"},
        ],
        link_column="organisation",
    )
    html = str(table.body_html())
    first, second = html.split("\n")
    assert first.startswith('<tr class="table-danger">')
    assert (
        '<a href="/organisations/1/?a=1&amp;b=&quot;2&quot;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
        " &amp; Co</a>"
    ) in first
    # A list of records: each cell carries its column's name for the phone's stacked rows.
    assert '<td class="text-end text-nowrap" data-label="Amount &quot;£&quot;">£1,234</td>' in first
    assert '<td class=" text-danger fw-semibold" data-label="Status">Not covered</td>' in first
    assert "<script>" not in html
    assert second == (
        '<tr><td class="" data-label="Organisation">No link here</td>'
        '<td class="text-end text-nowrap" data-label="Amount &quot;£&quot;">—</td>'
        '<td class="" data-label="Status">Covered</td></tr>'
    )


# -- Not contacted (activity board) ------------------------------------------------------------


def expected_not_contacted(now, stages=None):
    """Python over every row: organisations with an open pledge whose latest interaction, direct
    or through one of their contacts, is 30 days old or more (or never), with that date."""
    from crm.models import Interaction, Organisation
    from sponsors.models import OPEN_STAGES, Pledge

    stages = stages or OPEN_STAGES
    out = {}
    for org in Organisation.objects.all():
        if not Pledge.objects.filter(organisation=org, stage__in=stages).exists():
            continue
        times = [
            i.occurred_at
            for i in Interaction.objects.all()
            if i.organisation_id == org.pk or (i.contact_id and i.contact.organisation_id == org.pk)
        ]
        last = max(times) if times else None
        if last is None or now - last >= datetime.timedelta(days=30):
            out[org.name] = (timezone.localtime(last).date() if last else None, (now - last).days if last else None)
    return out


@pytest.fixture
def contacted_through_contacts(world):
    """Organisations whose latest contact is through one of their people (interactions with no
    organisation, or filed against another organisation), recent or old, and one never contacted."""
    from crm.models import Contact, Interaction, Organisation
    from sponsors.models import Pledge

    now = timezone.now()
    stale = [
        org
        for org in Organisation.objects.filter(name__startswith="W Org").order_by("name")
        if org.name in expected_not_contacted(now)
    ]
    assert len(stale) >= 6
    recent_via, old_via, moved, other_org, never = stale[:5]
    for org, days, filed_under in ((recent_via, 3, None), (old_via, 75, None), (moved, 5, other_org)):
        person = Contact.objects.create(first_name="Pat", last_name=org.name, organisation=org)
        Interaction.objects.create(
            contact=person,
            organisation=filed_under,
            kind="call",
            summary="Via a contact",
            occurred_at=now - datetime.timedelta(days=days),
        )
    Interaction.objects.filter(organisation__in=[never, old_via]).delete()
    Contact.objects.filter(organisation=never).delete()
    Pledge.objects.filter(organisation=never).update(stage="prospect")
    return {
        "recent_via": recent_via.name,
        "old_via": old_via.name,
        "moved": moved.name,
        "never": never.name,
        "other_org": other_org.name,
    }


@pytest.mark.clock
def test_not_contacted_counts_contact_through_a_person(contacted_through_contacts):
    from dashboards.boards import activity

    now = timezone.now()
    names = contacted_through_contacts
    rows = activity.not_contacted(Criteria(board="activity"), now)
    expected = expected_not_contacted(now)
    assert {r["organisation"]: (r["last_contact"], r["days"]) for r in rows} == expected
    shown = {r["organisation"]: r for r in rows}
    # A call with one of their people 3 and 5 days ago counts as contact (whatever it was filed under) …
    assert names["recent_via"] not in shown and names["moved"] not in shown
    # … and one 75 days ago is their last contact when they have none direct.
    assert (shown[names["old_via"]]["days"], shown[names["old_via"]]["bucket"]) == (75, "60–89 days")
    assert shown[names["never"]]["last_contact"] is None and shown[names["never"]]["bucket"] == "90 days or more"
    # Longest first, never contacted at the top.
    days = [r["days"] if r["days"] is not None else 10**6 for r in rows]
    assert days == sorted(days, reverse=True)


def test_not_contacted_follows_the_stage_and_organisation_filters(contacted_through_contacts):
    from crm.models import Organisation
    from dashboards.boards import activity
    from sponsors.models import Stage

    now = timezone.now()
    rows = activity.not_contacted(Criteria(board="activity", stages=(Stage.PROSPECT,)), now)
    assert {r["organisation"] for r in rows} == set(expected_not_contacted(now, [Stage.PROSPECT]))
    assert contacted_through_contacts["never"] in {r["organisation"] for r in rows}
    public = set(Organisation.objects.filter(sector="public").values_list("name", flat=True))
    rows = activity.not_contacted(Criteria(board="activity", sector="public"), now)
    assert {r["organisation"] for r in rows} == set(expected_not_contacted(now)) & public


@pytest.mark.clock
def test_overdue_follow_ups_by_assignee_count_and_oldest(world, organiser):
    from crm.models import FollowUp
    from dashboards.boards import activity

    today = timezone.localdate()
    expected = {}
    for f in FollowUp.objects.select_related("assignee"):
        if f.status == "open" and f.due_date < today:
            name = f.assignee.username if f.assignee else None
            count, oldest = expected.get(name, (0, f.due_date))
            expected[name] = (count + 1, min(oldest, f.due_date))
    assert None in expected and len(expected) > 2  # unassigned ones too
    rows = activity.overdue_by_assignee(activity.overdue(Criteria(board="activity"), today))
    assert {r["assignee__username"]: (r["n"], r["oldest"]) for r in rows} == expected
    rows = activity.overdue_by_assignee(activity.overdue(Criteria(board="activity", owner=organiser), today))
    assert {r["assignee__username"]: (r["n"], r["oldest"]) for r in rows} == {
        organiser.username: expected[organiser.username]
    }


def test_weekly_counts_with_owner_and_organisation_filters(world, organiser):
    """Each week's copy of the compiled SELECT keeps the filters' own parameters."""
    from crm.models import Interaction
    from dashboards.boards import activity

    today = timezone.localdate()
    criteria = Criteria(board="activity", owner=organiser, sector="public")
    start, end = activity.period(criteria, today)
    _weeks, by_kind, by_owner, _ = activity.weekly(criteria, start, end)
    expected = {}
    for i in Interaction.objects.select_related("organisation", "contact__organisation"):
        org = i.organisation or (i.contact.organisation if i.contact else None)
        day = timezone.localtime(i.occurred_at).date()
        if i.logged_by_id == organiser.pk and org and org.sector == "public" and start <= day <= end:
            key = (activity.week_start(day), i.kind)
            expected[key] = expected.get(key, 0) + 1
    assert expected, "the filters should leave some interactions"
    got = {(week, kind): n for kind, counts in by_kind.items() for week, n in counts.items() if n}
    assert got == expected
    assert set(by_owner) == {organiser.username}
