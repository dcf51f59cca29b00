"""My follow-ups page, its row actions, create/edit, and the rules behind them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from crm.models import Contact, FollowUp, Interaction, Organisation
from crm.roles import ORGANISER
from crm.selectors.followups import group_by_due, relative_due
from crm.services.followups import complete_followup, snooze_followup
from tests.conftest import make_user

LIST = reverse_lazy("crm:followup_list")


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def acme(db):
    return Organisation.objects.create(name="Acme Ltd")


@pytest.fixture
def jane(acme):
    return Contact.objects.create(first_name="Jane", last_name="Doe", email="jane@acme.test", organisation=acme)


def fu(title, due, assignee, **extra):
    return FollowUp.objects.create(title=title, due_date=due, assignee=assignee, **extra)


# Grouping -------------------------------------------------------------------------------------------


@pytest.mark.clock
def test_group_by_due_splits_overdue_today_week_later():
    today = datetime.date(2025, 3, 10)
    items = [
        FollowUp(title=t, due_date=today + datetime.timedelta(days=d))
        for t, d in [("old", -3), ("yday", -1), ("now", 0), ("tmrw", 1), ("edge", 7), ("far", 8)]
    ]
    groups = {g.key: [f.title for f in g.items] for g in group_by_due(items, today)}
    assert groups == {"overdue": ["old", "yday"], "today": ["now"], "week": ["tmrw", "edge"], "later": ["far"]}


@pytest.mark.clock
def test_relative_due_reads_naturally():
    today = datetime.date(2025, 3, 10)
    assert relative_due(datetime.date(2025, 3, 7), today) == "3 days overdue"
    assert relative_due(datetime.date(2025, 3, 9), today) == "1 day overdue"
    assert relative_due(today, today) == "due today"
    assert relative_due(datetime.date(2025, 3, 11), today) == "due tomorrow"
    assert relative_due(datetime.date(2025, 3, 15), today) == "due in 5 days"


@pytest.mark.clock
def test_list_groups_my_open_followups(client, organiser, acme, jane):
    other = make_user(organiser.__class__, "other", ORGANISER)
    fu("Chase invoice", days(-3), organiser, organisation=acme, contact=jane)
    fu("Call back", days(0), organiser)
    fu("Send deck", days(4), organiser)
    fu("Plan next year", days(30), organiser)
    fu("Someone else's", days(-1), other)
    fu("Finished", days(-2), organiser, status=FollowUp.Status.DONE, completed_at=timezone.now())
    client.force_login(organiser)
    response = client.get(LIST)
    assert response.status_code == 200
    groups = {g.key: [f.title for f in g.items] for g in response.context["groups"]}
    assert groups == {
        "overdue": ["Chase invoice"],
        "today": ["Call back"],
        "week": ["Send deck"],
        "later": ["Plan next year"],
    }
    html = response.content.decode()
    assert "3 days overdue" in html
    assert acme.get_absolute_url() in html and jane.get_absolute_url() in html
    assert "Someone else&#x27;s" not in html
    assert "Finished" in html  # recently completed, collapsed at the bottom
    # the navigation's overdue count agrees with the Overdue group
    assert response.context["nav_overdue_count"] == len(response.context["groups"][0].items) == 1


def test_recently_completed_lists_the_latest_twenty_with_the_true_count(client, organiser):
    now = timezone.now()
    for i in range(25):
        fu(
            f"Done {i:02d}",
            days(-1),
            organiser,
            status=FollowUp.Status.DONE,
            completed_at=now - datetime.timedelta(hours=i),
        )
    client.force_login(organiser)
    response = client.get(LIST)
    assert [f.title for f in response.context["completed"]] == [f"Done {i:02d}" for i in range(20)]
    assert response.context["completed_count"] == 25
    html = response.content.decode()
    assert "The latest 20 of 25." in html and "Done 19" in html and "Done 20" not in html


def test_everyone_filter_in_url(client, organiser, committee):
    other = make_user(organiser.__class__, "other", ORGANISER, first_name="Oscar")
    fu("Olivia task", days(1), organiser)
    fu("Oscar task", days(1), other)
    client.force_login(committee)
    html = client.get(LIST).content.decode()
    assert "Olivia task" not in html and "My follow-ups" in html
    html = client.get(LIST + "?who=all").content.decode()
    assert "Olivia task" in html and "Oscar task" in html and "Everyone's follow-ups" in html
    html = client.get(LIST + f"?who=all&assignee={other.pk}").content.decode()
    assert "Oscar task" in html and "Olivia task" not in html
    # committee sees the list but no action buttons
    assert "Mark done" not in html


def test_staff_cannot_see_everyones(client, staff, organiser):
    fu("Organiser's", days(1), organiser)
    fu("Staff's own", days(1), staff)
    client.force_login(staff)
    html = client.get(LIST + "?who=all").content.decode()
    assert "Staff&#x27;s own" in html and "Organiser&#x27;s" not in html


def test_empty_state(client, organiser):
    client.force_login(organiser)
    assert "Nothing to chase. Log a call to add one." in client.get(LIST).content.decode()


def _list_queries(client, organiser, acme, jane, count):
    FollowUp.objects.all().delete()
    for i in range(count):
        fu(f"Item {i}", days(i - count // 2), organiser, organisation=acme, contact=jane)
    for i in range(3):
        fu(
            f"Done {i}",
            days(-1),
            organiser,
            organisation=acme,
            status=FollowUp.Status.DONE,
            completed_at=timezone.now(),
        )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST + "?who=all")
    shown = sum(len(group.items) for group in response.context["groups"])
    assert shown == min(count, response.content.decode().count('data-testid="followup-'))
    assert sum(group.count for group in response.context["groups"]) == count
    return len(queries)


def test_list_query_count_is_constant(client, organiser, acme, jane, django_assert_max_num_queries):
    client.force_login(organiser)
    client.get(LIST)  # warm the session and permission caches
    assert _list_queries(client, organiser, acme, jane, 5) == _list_queries(client, organiser, acme, jane, 50)
    # Five lists of follow-ups, then one query per relation for all their rows (crm.selectors.followups.load_related).
    with django_assert_max_num_queries(26):
        client.get(LIST + "?who=all")


# Actions --------------------------------------------------------------------------------------------


def test_mark_done_with_outcome_logs_interaction(client, organiser, acme, jane):
    source = Interaction.objects.create(organisation=acme, summary="First call", logged_by=organiser)
    followup = fu("Chase pledge", days(-1), organiser, organisation=acme, contact=jane, interaction=source)
    client.force_login(organiser)
    response = client.post(
        reverse("crm:followup_complete", args=[followup.pk]),
        {"outcome": "They will pay Friday", "kind": "note", "next": LIST + "?who=all"},
    )
    assert response.status_code == 302 and response.url == LIST + "?who=all"
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.DONE and followup.completed_at is not None
    assert followup.interaction == source  # the originating interaction is kept
    logged = Interaction.objects.exclude(pk=source.pk).get()
    assert (logged.summary, logged.outcome, logged.kind) == ("Chase pledge", "They will pay Friday", "note")
    assert logged.organisation == acme and logged.contact == jane and logged.logged_by == organiser
    page = client.get(LIST).content.decode()
    assert "Marked “Chase pledge” done and logged the note." in page


def test_mark_done_without_outcome_logs_nothing(client, organiser, acme):
    followup = fu("Quick one", days(0), organiser, organisation=acme)
    client.force_login(organiser)
    client.post(reverse("crm:followup_complete", args=[followup.pk]), {"outcome": ""})
    followup.refresh_from_db()
    assert followup.status == "done"
    assert not Interaction.objects.exists()


def test_done_defaults_to_call(organiser, acme):
    followup = fu("Ring", days(0), organiser, organisation=acme)
    interaction = complete_followup(followup, user=organiser, outcome="Spoke to them")
    assert interaction.kind == "call"


def test_unsafe_next_is_ignored(client, organiser):
    followup = fu("X", days(0), organiser)
    client.force_login(organiser)
    response = client.post(reverse("crm:followup_complete", args=[followup.pk]), {"next": "https://evil.test/"})
    assert response.url == LIST


@pytest.mark.clock
def test_snooze_presets_and_date(client, organiser):
    followup = fu("Later", days(-2), organiser)
    client.force_login(organiser)
    url = reverse("crm:followup_snooze", args=[followup.pk])
    client.post(url, {"preset": "tomorrow"})
    followup.refresh_from_db()
    assert followup.due_date == days(1)
    client.post(url, {"preset": "next_week"})
    followup.refresh_from_db()
    assert followup.due_date == days(7)
    client.post(url, {"until": days(20).isoformat()})
    followup.refresh_from_db()
    assert followup.due_date == days(20)


@pytest.mark.clock
def test_snooze_to_the_past_is_rejected(client, organiser):
    followup = fu("Later", days(3), organiser)
    client.force_login(organiser)
    response = client.post(
        reverse("crm:followup_snooze", args=[followup.pk]), {"until": days(-1).isoformat()}, follow=True
    )
    followup.refresh_from_db()
    assert followup.due_date == days(3)
    assert "not one in the past" in response.content.decode()
    with pytest.raises(ValidationError):
        snooze_followup(followup, until=days(-5), user=organiser)


def test_reassign(client, organiser, committee, staff):
    colleague = make_user(organiser.__class__, "colleague", ORGANISER)
    followup = fu("Hand over", days(2), organiser)
    client.force_login(organiser)
    client.post(reverse("crm:followup_reassign", args=[followup.pk]), {"assignee": colleague.pk})
    followup.refresh_from_db()
    assert followup.assignee == colleague
    inactive = make_user(organiser.__class__, "gone", ORGANISER, is_active=False)
    response = client.post(reverse("crm:followup_reassign", args=[followup.pk]), {"assignee": inactive.pk}, follow=True)
    followup.refresh_from_db()
    assert followup.assignee == colleague
    assert "Could not reassign" in response.content.decode()


@pytest.mark.parametrize("name", ["followup_complete", "followup_snooze", "followup_reassign"])
def test_actions_forbidden_for_committee_and_staff(client, committee, staff, organiser, name):
    followup = fu("Protected", days(0), organiser)
    for user in (committee, staff):
        client.force_login(user)
        response = client.post(reverse(f"crm:{name}", args=[followup.pk]), {"preset": "tomorrow", "assignee": user.pk})
        assert response.status_code == 403
    followup.refresh_from_db()
    assert followup.status == "open" and followup.due_date == days(0) and followup.assignee == organiser


@pytest.mark.parametrize("name", ["followup_complete", "followup_snooze", "followup_reassign"])
def test_actions_redirect_anonymous_to_login(client, organiser, name):
    followup = fu("Protected", days(0), organiser)
    response = client.post(reverse(f"crm:{name}", args=[followup.pk]), {"preset": "tomorrow"})
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_actions_need_post(client, organiser):
    followup = fu("X", days(0), organiser)
    client.force_login(organiser)
    assert client.get(reverse("crm:followup_complete", args=[followup.pk])).status_code == 405


def test_anonymous_list_redirects_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response.url


# Create / edit --------------------------------------------------------------------------------------


def test_create_prefilled_from_query(client, organiser, acme, jane):
    client.force_login(organiser)
    url = reverse("crm:followup_create") + f"?organisation={acme.pk}&contact={jane.pk}"
    form = client.get(url).context["form"]
    assert form.initial["organisation"] == acme.pk and form.initial["contact"] == jane.pk
    response = client.post(
        url, {"title": "Send contract", "due_date": days(3).isoformat(), "assignee": organiser.pk, "contact": jane.pk}
    )
    assert response.status_code == 302
    followup = FollowUp.objects.get()
    assert followup.organisation == acme  # filled from the contact
    assert followup.created_by == organiser and followup.assignee == organiser


def test_create_rejects_contact_of_other_organisation(client, organiser, jane):
    other = Organisation.objects.create(name="Other plc")
    client.force_login(organiser)
    response = client.post(
        reverse("crm:followup_create"),
        {
            "title": "Mismatch",
            "due_date": days(3).isoformat(),
            "organisation": other.pk,
            "contact": jane.pk,
        },
    )
    assert response.status_code == 200 and not FollowUp.objects.exists()


def test_edit_followup(client, organiser):
    followup = fu("Old title", days(1), organiser)
    client.force_login(organiser)
    url = reverse("crm:followup_update", args=[followup.pk])
    response = client.post(url, {"title": "New title", "due_date": days(2).isoformat(), "assignee": organiser.pk})
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.title == "New title" and followup.due_date == days(2)


def test_create_and_edit_forbidden_for_committee_and_staff(client, committee, staff, organiser):
    followup = fu("X", days(1), organiser)
    for user in (committee, staff):
        client.force_login(user)
        assert client.get(reverse("crm:followup_create")).status_code == 403
        assert client.get(reverse("crm:followup_update", args=[followup.pk])).status_code == 403


def test_a_long_group_shows_its_first_items_and_the_true_count(client, organiser, acme):
    for n in range(25):
        fu(f"Overdue {n:02d}", days(-3), organiser, organisation=acme)
    client.force_login(organiser)
    response = client.get(LIST)
    overdue = {g.key: g for g in response.context["groups"]}["overdue"]
    assert (overdue.count, len(overdue.items)) == (25, 20)
    assert "Showing the first 20 of 25." in response.content.decode()
    expanded = {g.key: g for g in client.get(LIST + "?show=overdue").context["groups"]}["overdue"]
    assert len(expanded.items) == 25


def test_rows_built_in_python_escape_link_and_offer_the_actions(client, organiser, committee, acme, jane):
    """Each row (marked up in Python, crm/views/followup_rows.py): the title escaped, links to the
    organisation, contact, pledge and favour, three forms with the CSRF token, and the row's
    assignee chosen in "Reassign to"; committee members see the rows but no forms."""
    import re

    from crm.models import Event
    from partners.models import Favour
    from sponsors.services import create_pledge

    event = Event.objects.create(name="Launch <2027>")
    pledge = create_pledge(organisation=acme, event=event, amount=1500, stage="prospect")
    favour = Favour.objects.create(organisation=acme, direction="they_offered", description="Room & <b>tea</b>")
    row = fu(
        '<script>alert("x")</script> & chase',
        days(-1),
        organiser,
        organisation=acme,
        contact=jane,
        pledge=pledge,
        favour=favour,
    )
    client.force_login(organiser)
    html = client.get(LIST, {"who": "all"}).content.decode()
    start = html.index(f'data-testid="followup-{row.pk}"')
    item = html[start : html.index("</li>", start)]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; chase" in item and "<script>" not in item
    assert f'href="{acme.get_absolute_url()}"' in item and f'href="{jane.get_absolute_url()}"' in item
    assert f'href="{pledge.get_absolute_url()}"' in item and "Launch &lt;2027&gt;" in item
    assert f'href="{favour.get_absolute_url()}"' in item and "Room &amp; &lt;b&gt;tea&lt;/b&gt;" in item
    assert item.count('name="csrfmiddlewaretoken"') == 4  # done, snooze presets, snooze date, reassign
    assert re.search(rf'<option value="{organiser.pk}" selected>Olivia Organiser</option>', item)
    assert f'action="{reverse("crm:followup_complete", args=[row.pk])}"' in item and "· Olivia Organiser" in item

    client.force_login(committee)
    html = client.get(LIST, {"who": "all"}).content.decode()
    start = html.index(f'data-testid="followup-{row.pk}"')
    item = html[start : html.index("</li>", start)]
    assert "csrfmiddlewaretoken" not in item and "Reassign" not in item
    assert "&lt;script&gt;" in item and f'href="{pledge.get_absolute_url()}"' in item
