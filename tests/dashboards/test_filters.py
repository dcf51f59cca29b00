"""Each dashboard filter changes the figures exactly as a plain loop over the fixtures says."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Interaction, Organisation
from partners.models import Favour, PartnerProfile
from sponsors.models import InKindContribution, Pledge, Stage
from tests.dashboards.test_boards import build_world, expected_pipeline, get_board

KEYS = ("pledged", "confirmed", "invoiced", "paid", "forecast")


@pytest.fixture
def users(organiser, committee, staff):
    return [organiser, committee, staff]


@pytest.fixture
def world(users):
    return build_world(30, users)


def pipeline_figures(client, user, params):
    board = get_board(client, user, params=params).context["board"]
    return {key: board.figure(key) for key in KEYS}


def assert_pipeline(client, user, params, pledges):
    pledges = list(pledges)
    assert pledges, "the filter should leave some pledges"
    figures = pipeline_figures(client, user, params)
    assert figures == expected_pipeline(pledges)
    return figures


def test_unfiltered_is_the_whole_event(client, committee, world):
    all_figures = assert_pipeline(client, committee, {}, Pledge.objects.filter(event=world[0]))
    assert all_figures["forecast"] > 0


def test_owner_filter(client, committee, world, users):
    owner = users[0]
    figures = assert_pipeline(
        client,
        committee,
        {"owner": owner.pk},
        [p for p in Pledge.objects.filter(event=world[0]) if p.owner_id == owner.pk],
    )
    assert figures != pipeline_figures(client, committee, {})


def test_stage_filter_takes_several_stages(client, committee, world):
    stages = [Stage.VERBAL, Stage.PAID]
    figures = assert_pipeline(
        client, committee, {"stage": stages}, [p for p in Pledge.objects.filter(event=world[0]) if p.stage in stages]
    )
    assert figures["confirmed"] == figures["paid"]  # only paid counts as confirmed here


def test_tier_filter(client, committee, world):
    gold = world[2][0]
    assert_pipeline(
        client, committee, {"tier": gold.pk}, [p for p in Pledge.objects.filter(event=world[0]) if p.tier_id == gold.pk]
    )
    rows = get_board(client, committee, params={"tier": gold.pk}).context["board"].tables["tiers"].rows
    assert [r["tier"] for r in rows] == ["Gold"]


def test_tag_filter(client, committee, world):
    tag = world[3][0]
    assert_pipeline(
        client,
        committee,
        {"tag": tag.pk},
        [p for p in Pledge.objects.filter(event=world[0]) if tag in p.organisation.tags.all()],
    )


@pytest.mark.parametrize(
    "role, field",
    [("supplier", "is_supplier"), ("training_provider", "is_training_provider"), ("public_body", "is_public_body")],
)
def test_role_filter(client, committee, world, role, field):
    assert_pipeline(
        client,
        committee,
        {"role": role},
        [p for p in Pledge.objects.filter(event=world[0]) if getattr(p.organisation, field)],
    )


def test_sector_filter(client, committee, world):
    assert_pipeline(
        client,
        committee,
        {"sector": "public"},
        [p for p in Pledge.objects.filter(event=world[0]) if p.organisation.sector == "public"],
    )


def test_date_range_filter_on_pledge_creation(client, committee, world):
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=120), today - datetime.timedelta(days=30)
    pledges = [
        p for p in Pledge.objects.filter(event=world[0]) if start <= timezone.localtime(p.created_at).date() <= end
    ]
    assert_pipeline(client, committee, {"date_from": start.isoformat(), "date_to": end.isoformat()}, pledges)


def test_date_range_limits_wins_to_stage_changes_in_range(client, committee, world):
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=200), today - datetime.timedelta(days=100)
    rows = (
        get_board(client, committee, params={"date_from": start.isoformat(), "date_to": end.isoformat()})
        .context["board"]
        .tables["wins"]
        .rows
    )
    assert all(start <= r["date"] <= end for r in rows)


def test_event_filter(client, committee, world):
    other = world[1]
    figures = assert_pipeline(client, committee, {"event": other.pk}, Pledge.objects.filter(event=other))
    board = get_board(client, committee, params={"event": other.pk}).context["board"]
    assert board.figure("target") == Decimal("7000.00")
    assert figures != pipeline_figures(client, committee, {})


def test_filters_combine(client, committee, world, users):
    pledges = [
        p
        for p in Pledge.objects.filter(event=world[0])
        if p.organisation.sector == "private" and p.owner_id in (users[0].pk, users[1].pk)
    ]
    owner = users[0]
    pledges = [p for p in pledges if p.owner_id == owner.pk]
    assert_pipeline(client, committee, {"sector": "private", "owner": owner.pk}, pledges)


def test_bad_dates_show_an_error_and_keep_the_other_filters(client, committee, world):
    response = get_board(
        client, committee, params={"date_from": "2026-05-01", "date_to": "2026-01-01", "sector": "public"}
    )
    assert "The end date is before the start date." in response.content.decode()
    assert response.context["criteria"].sector == "public"


@pytest.mark.parametrize(
    "url_name", ["dashboards:dashboard", "dashboards:dashboard_activity", "dashboards:dashboard_print"]
)
@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
        {"date_to": "0001-01-02"},
        {"date_from": "9999-12-30"},
    ],
)
def test_dates_out_of_range_are_refused_with_a_message(client, committee, world, url_name, params):
    """A mistyped year (0001, 9999) once overflowed the week and month arithmetic: a 500."""
    response = get_board(client, committee, url_name, params={**params, "sector": "public"})
    if url_name != "dashboards:dashboard_print":  # the print view has no form: it is titled with the filters in force
        assert "Choose a date between 1900 and 2200." in response.content.decode()
    criteria = response.context["criteria"]
    assert (criteria.date_from, criteria.date_to, criteria.sector) == (None, None, "public")


def test_out_of_range_dates_in_a_csv_link_still_give_the_csv(client, committee, world):
    client.force_login(committee)
    response = client.get(
        reverse("dashboards:dashboard_csv", args=["activity", "by-kind"]), {"date_from": "0001-01-01"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_filters_are_in_the_url_and_in_words(client, committee, world, users):
    response = get_board(client, committee, params={"sector": "public", "stage": ["verbal", "paid"]})
    html = response.content.decode()
    assert "Sector: Public" in html and "Stage: Verbal pledge, Paid" in html
    # Tabs and CSV links carry the filters to the other dashboards.
    assert "/dashboard/in-kind/?sector=public&amp;stage=verbal&amp;stage=paid" in html
    assert "/dashboard/pipeline/stages.csv?sector=public&amp;stage=verbal&amp;stage=paid" in html


# -- other dashboards ---------------------------------------------------------------------------


def test_inkind_owner_and_sector_filters(client, committee, world, users):
    owner = users[1]
    board = get_board(
        client, committee, "dashboards:dashboard_inkind", {"owner": owner.pk, "sector": "private"}
    ).context["board"]
    items = [
        i
        for i in InKindContribution.objects.filter(event=world[0])
        if i.owner_id == owner.pk and i.organisation.sector == "private"
    ]
    assert board.figure("offered") == sum((i.estimated_value for i in items if i.status == "offered"), Decimal("0"))
    assert board.figure("confirmed") == sum((i.estimated_value for i in items if i.status == "confirmed"), Decimal("0"))


def test_partners_role_and_event_filters(client, committee, world):
    board = get_board(client, committee, "dashboards:dashboard_partners", {"role": "training_provider"}).context[
        "board"
    ]
    profiles = [p for p in PartnerProfile.objects.all() if p.organisation.is_training_provider]
    assert board.figure("training_providers") == len(profiles)
    assert board.figure("suppliers") == sum(1 for p in profiles if p.organisation.is_supplier)

    event = world[0]
    board = get_board(client, committee, "dashboards:dashboard_partners", {"event": event.pk}).context["board"]
    received = sum(
        (
            f.estimated_value
            for f in Favour.objects.filter(event=event)
            if f.direction != "we_owe" and f.status in ("done", "returned")
        ),
        Decimal("0"),
    )
    assert board.figure("received") == received


@pytest.mark.clock
def test_activity_date_range_and_owner(client, committee, world, users):
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=40), today - datetime.timedelta(days=10)
    owner = users[2]
    board = get_board(
        client,
        committee,
        "dashboards:dashboard_activity",
        {"date_from": start.isoformat(), "date_to": end.isoformat(), "owner": owner.pk},
    ).context["board"]
    expected = sum(
        1
        for i in Interaction.objects.all()
        if start <= timezone.localtime(i.occurred_at).date() <= end and i.logged_by_id == owner.pk
    )
    assert board.figure("interactions") == expected > 0
    assert board.tables["by-kind"].rows[0]["week"] <= start


def test_activity_stage_filter_narrows_not_contacted(client, committee, world):
    board = get_board(client, committee, "dashboards:dashboard_activity", {"stage": ["prospect"]}).context["board"]
    names = {r["organisation"] for r in board.tables["not-contacted"].rows}
    prospects = {o.name for o in Organisation.objects.filter(pledges__stage="prospect")}
    assert names and names <= prospects


@pytest.mark.parametrize("board", ["pipeline", "activity", "inkind"])
def test_filter_pickers_rendered_in_python_match_django_s_templates(world, users, board):
    """Every picker of the filter form, choices chosen or not, invalid input included, is the
    markup Django's own select templates give; labels are escaped."""
    from django import forms
    from django.http import QueryDict

    from crm.models import Tag
    from dashboards.filters import FAST_WIDGETS, build_filterset

    tag = Tag.objects.create(name='<b>"risky" & co</b>')
    event = world[0]
    queries = [
        "",
        f"stage=prospect&stage=verbal&owner={users[0].pk}&sector=public&tag={tag.pk}",
        f"event={event.pk}&role=sponsor&tier=999999",
        "stage=nonsense&owner=abc&date_from=2026-13-01",
    ]
    compared = 0
    for query in queries:
        filterset = build_filterset(QueryDict(query), board)
        _ = filterset.criteria  # validates, as the page does before rendering
        for bound in filterset.form:
            widget = bound.field.widget
            fast = type(widget)
            if fast not in FAST_WIDGETS.values():
                continue
            python_html = str(bound)
            widget.__class__ = fast.__mro__[2]  # Django's own Select / SelectMultiple
            assert isinstance(widget, (forms.Select, forms.SelectMultiple))
            assert python_html == str(bound), (query, bound.name)
            widget.__class__ = fast
            compared += 1
    assert compared >= 4 * 5  # event, owner, role, sector, tag at least, in each of the four states
    html = "".join(str(b) for b in build_filterset(QueryDict(""), board).form)
    assert "&lt;b&gt;&quot;risky&quot; &amp; co&lt;/b&gt;" in html and "<b>" not in html
