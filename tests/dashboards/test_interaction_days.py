"""The activity board's weekly counts stay right through every kind of write.

On PostgreSQL they come from the counts per day its triggers keep (dashboards.interaction_days);
on SQLite from the interactions themselves. Each test compares the board with Python counts
over the interactions, so on both databases it checks what a committee member reads.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from crm.models import Interaction, Organisation
from dashboards import interaction_days
from dashboards.boards import activity
from dashboards.filters import Criteria
from privacy.backup import flush_tables

POSTGRESQL = connection.vendor == "postgresql"


def expected(criteria, start, end):
    """(week, kind, username) → count, by reading every interaction in Python."""
    counts = {}
    for i in Interaction.objects.select_related("logged_by"):
        day = timezone.localtime(i.occurred_at).date()
        if start <= day <= end and (criteria.owner is None or i.logged_by_id == criteria.owner.pk):
            key = (activity.week_start(day), i.kind, i.logged_by.username if i.logged_by else "")
            counts[key] = counts.get(key, 0) + 1
    return counts


def board_counts(criteria, start, end):
    """The same, as the board's weekly counts give them; and whether the counts per day answered."""
    answered = interaction_days.weekly_counts(
        activity.week_start(start), start, end, criteria.owner.pk if criteria.owner else None
    )
    weeks, by_kind, by_owner, _ = activity.weekly(criteria, start, end)
    by_kind_total = sum(n for counts in by_kind.values() for n in counts.values())
    assert by_kind_total == sum(n for counts in by_owner.values() for n in counts.values())
    rows = (
        answered
        if answered is not None
        else activity._weekly_counts(
            activity.interactions(criteria).order_by(), activity.week_bounds(weeks, start, end), 0
        )
    )
    usernames = dict(get_user_model().objects.values_list("pk", "username"))
    got = {}
    for row in rows:
        if row["n"]:
            key = (weeks[row["week_number"]], row["kind"], usernames.get(row["logged_by"], ""))
            got[key] = got.get(key, 0) + row["n"]
    return got, answered is not None


def check(criteria, start, end):
    got, answered = board_counts(criteria, start, end)
    assert got == expected(criteria, start, end)
    assert answered == POSTGRESQL  # PostgreSQL reads the counts per day; SQLite has none
    return got


@pytest.fixture
def setting(organiser, staff):
    org = Organisation.objects.create(name="Leeds Digital")
    now = timezone.now()
    today = timezone.localdate()
    return org, now, today - datetime.timedelta(weeks=10), today


@pytest.mark.clock
def test_counts_follow_creates_edits_moves_and_deletes(setting, organiser, staff, django_user_model):
    org, now, start, end = setting
    everyone, mine = Criteria(board="activity"), Criteria(board="activity", owner=organiser)
    one = Interaction.objects.create(organisation=org, kind="call", occurred_at=now, logged_by=organiser)
    Interaction.objects.bulk_create(
        [
            Interaction(
                organisation=org,
                kind=("email", "meeting")[i % 2],
                logged_by=(organiser, staff)[i % 3 == 0],
                occurred_at=now - datetime.timedelta(days=i * 3, hours=i),
            )
            for i in range(30)
        ]
    )
    assert sum(check(everyone, start, end).values()) == 1 + 24  # the rest fall before the period
    check(mine, start, end)

    one.kind = "meeting"  # an edit through the form: save() of every field
    one.save()
    Interaction.objects.filter(kind="email").update(occurred_at=now - datetime.timedelta(days=15))  # moved
    Interaction.objects.filter(logged_by=staff).update(kind="call")
    Interaction.objects.filter(pk=one.pk).update(summary="Only the text changed")
    check(everyone, start, end)
    check(mine, start, end)

    Interaction.objects.filter(pk=one.pk).delete()
    Interaction.objects.filter(
        pk__in=list(Interaction.objects.filter(kind="meeting").values_list("pk", flat=True)[:3])
    ).delete()
    check(everyone, start, end)

    leaver = django_user_model.objects.create(username="leaver")
    Interaction.objects.create(organisation=org, kind="call", occurred_at=now, logged_by=leaver)
    leaver.delete()  # the interaction stays, logged by nobody
    assert ("", "call") in {(key[2], key[1]) for key in check(everyone, start, end)}


def test_a_day_is_the_local_day(setting, organiser):
    """An interaction at 23:30 on a summer Sunday in London is that Sunday's, not Monday's."""
    org, _, _, _ = setting
    sunday = datetime.date(2026, 7, 5)
    at = timezone.make_aware(datetime.datetime(2026, 7, 5, 23, 30))  # 22:30 UTC
    Interaction.objects.create(organisation=org, kind="call", occurred_at=at, logged_by=organiser)
    Interaction.objects.create(
        organisation=org, kind="call", occurred_at=at + datetime.timedelta(hours=1), logged_by=organiser
    )  # Monday 00:30 local, still Sunday in UTC
    got = check(Criteria(board="activity"), sunday - datetime.timedelta(days=6), sunday + datetime.timedelta(days=1))
    assert got == {
        (datetime.date(2026, 6, 29), "call", organiser.username): 1,
        (datetime.date(2026, 7, 6), "call", organiser.username): 1,
    }


def test_counts_from_another_time_zone_are_not_used_until_recounted(setting, organiser):
    org, _, _, _ = setting
    at = timezone.make_aware(datetime.datetime(2026, 7, 5, 20, 30))  # Monday 04:30 in Tokyo
    Interaction.objects.create(organisation=org, kind="call", occurred_at=at, logged_by=organiser)
    criteria, start, end = Criteria(board="activity"), datetime.date(2026, 6, 29), datetime.date(2026, 7, 12)
    with timezone.override("Asia/Tokyo"):
        got, answered = board_counts(criteria, start, end)
        assert not answered  # counted in London: the board reads the interactions instead
        assert got == expected(criteria, start, end) == {(datetime.date(2026, 7, 6), "call", organiser.username): 1}
        if POSTGRESQL:
            assert interaction_days.rebuild() > 0
            got, answered = board_counts(criteria, start, end)
            assert answered and got == expected(criteria, start, end)
        else:
            assert interaction_days.rebuild() == 0  # nothing kept, nothing to recount
    if POSTGRESQL:
        assert board_counts(criteria, start, end)[1] is False  # now London is the other zone
        interaction_days.rebuild()
    check(criteria, start, end)


def test_truncating_the_interactions_empties_the_counts(setting, organiser):
    """A backup restore and a test flush empty the tables as Django flushes them (TRUNCATE on PostgreSQL)."""
    org, now, start, end = setting
    Interaction.objects.create(organisation=org, kind="call", occurred_at=now, logged_by=organiser)
    flush_tables([Interaction._meta.db_table], allow_cascade=True)  # as the backup restore does
    assert check(Criteria(board="activity"), start, end) == {}
    Interaction.objects.create(organisation=org, kind="call", occurred_at=now, logged_by=organiser)
    assert sum(check(Criteria(board="activity"), start, end).values()) == 1


@pytest.mark.django_db(transaction=True)
def test_migrating_counts_the_interactions_already_there(organiser):
    org = Organisation.objects.create(name="Leeds Digital")
    now = timezone.now()
    executor = MigrationExecutor(connection)
    executor.migrate([("dashboards", "0001_initial")])
    Interaction.objects.bulk_create(
        [
            Interaction(
                organisation=org, kind="call", logged_by=organiser, occurred_at=now - datetime.timedelta(days=i)
            )
            for i in range(20)
        ]
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    today = timezone.localdate()
    assert sum(check(Criteria(board="activity"), today - datetime.timedelta(weeks=4), today).values()) == 20


def test_the_recount_command_says_what_it_did(setting, organiser):
    from io import StringIO

    from django.core.management import call_command

    org, now, start, end = setting
    Interaction.objects.create(organisation=org, kind="call", occurred_at=now, logged_by=organiser)
    out = StringIO()
    call_command("rebuild_activity_counts", stdout=out)
    if POSTGRESQL:
        assert (
            out.getvalue().strip()
            == f"Counted the interactions by day in {timezone.get_current_timezone_name()}: 1 row."
        )
    else:
        assert "only PostgreSQL" in out.getvalue()
    check(Criteria(board="activity"), start, end)
