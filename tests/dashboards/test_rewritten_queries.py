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
    changes = [c for c in PledgeStageChange.objects.select_related("pledge__organisation")
               if c.pledge.event_id == event.pk and c.changed_at >= since and c.to_stage in stages]
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

    table = Table("t", "T", [Column("organisation", "Organisation"), Column("amount", "Amount", "money"),
                             Column("status", "Status")], [
        {"organisation": '<script>alert("x")</script> & Co', "amount": Decimal("1234"), "status": "Not covered",
         "_url": '/organisations/1/?a=1&b="2"', "_danger": True},
        {"organisation": "No link here", "amount": None, "status": "Covered"},
    ], link_column="organisation")
    html = str(table.body_html())
    first, second = html.split("\n")
    assert first.startswith('<tr class="table-danger">')
    assert ('<a href="/organisations/1/?a=1&amp;b=&quot;2&quot;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
            ' &amp; Co</a>') in first
    assert '<td class="text-end text-nowrap">£1,234</td>' in first
    assert '<td class=" text-danger fw-semibold">Not covered</td>' in first
    assert "<script>" not in html
    assert second == ('<tr><td class="">No link here</td><td class="text-end text-nowrap">—</td>'
                      '<td class="">Covered</td></tr>')
