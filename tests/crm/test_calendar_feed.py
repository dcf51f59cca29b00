"""The private iCalendar feed of follow-ups and resetting its secret link."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from crm.models import CalendarFeed, Contact, FollowUp, Organisation
from crm.services.followups import reset_calendar_feed


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def events(response):
    calendar = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def items(organiser, committee):
    acme = Organisation.objects.create(name="Acme Ltd")
    jane = Contact.objects.create(first_name="Jane", last_name="Doe", organisation=acme)
    mine = FollowUp.objects.create(
        title="Chase Acme", due_date=days(2), assignee=organiser, organisation=acme, contact=jane
    )
    theirs = FollowUp.objects.create(title="Committee task", due_date=days(1), assignee=committee)
    done = FollowUp.objects.create(title="Finished", due_date=days(1), assignee=organiser, status="done")
    return mine, theirs, done


def test_feed_is_valid_ics_with_open_followups(client, organiser, items):
    mine, _theirs, _done = items
    feed = reset_calendar_feed(user=organiser)
    response = client.get(reverse("crm:calendar_feed", args=[feed.token]))  # anonymous: the token is enough
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    found = events(response)
    assert set(found) == {f"followup-{mine.pk}@sponsorship-crm"}
    event = found[f"followup-{mine.pk}@sponsorship-crm"]
    assert str(event["SUMMARY"]) == "Chase Acme"
    assert event.decoded("DTSTART") == mine.due_date  # an all-day date, not a datetime
    assert "Acme Ltd" in str(event["DESCRIPTION"]) and "Jane Doe" in str(event["DESCRIPTION"])
    assert f"/followups/{mine.pk}/edit/" in str(event["DESCRIPTION"])


def test_committee_feed_has_only_their_own(client, committee, items):
    _mine, theirs, _done = items
    feed = reset_calendar_feed(user=committee)
    found = events(client.get(reverse("crm:calendar_feed", args=[feed.token])))
    assert set(found) == {f"followup-{theirs.pk}@sponsorship-crm"}


def test_unknown_token_is_404(client, db):
    assert client.get(reverse("crm:calendar_feed", args=["nope"])).status_code == 404


def test_create_and_reset_via_page(client, organiser, items):
    client.force_login(organiser)
    page = client.get(reverse("crm:followup_list")).content.decode()
    assert "Create feed" in page
    response = client.post(reverse("crm:calendar_feed_reset"), follow=True)
    first = CalendarFeed.objects.get(user=organiser).token
    assert len(first) >= 40
    assert reverse("crm:calendar_feed", args=[first]) in response.content.decode()
    client.post(reverse("crm:calendar_feed_reset"))
    second = CalendarFeed.objects.get(user=organiser).token
    assert second != first
    client.logout()
    assert client.get(reverse("crm:calendar_feed", args=[first])).status_code == 404
    assert client.get(reverse("crm:calendar_feed", args=[second])).status_code == 200


@pytest.mark.parametrize("role", ["committee", "staff"])
def test_every_role_can_have_a_feed(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.post(reverse("crm:calendar_feed_reset")).status_code == 302
    assert CalendarFeed.objects.filter(user=user).exists()


def test_reset_needs_login_and_post(client, organiser):
    response = client.post(reverse("crm:calendar_feed_reset"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(organiser)
    assert client.get(reverse("crm:calendar_feed_reset")).status_code == 405


def test_inactive_users_feed_is_404(client, organiser):
    feed = reset_calendar_feed(user=organiser)
    organiser.is_active = False
    organiser.save()
    assert client.get(reverse("crm:calendar_feed", args=[feed.token])).status_code == 404
