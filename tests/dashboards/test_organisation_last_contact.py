"""The activity board's "not contacted" list stays right through every kind of write.

On PostgreSQL it reads each organisation's latest interaction as the triggers of dashboards
migration 0003 keep it; on SQLite it looks the interactions up. Each test compares the list
with Python over every row, so on both databases it checks what a committee member reads; on
PostgreSQL it also compares every kept latest with the interactions.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from crm.models import Contact, Interaction, Organisation
from dashboards.boards import activity
from dashboards.boards.activity import LAST_CONTACT
from dashboards.filters import Criteria
from privacy.backup import flush_tables
from sponsors.models import Pledge
from tests.crm import factories
from tests.pgstats import rows_read

POSTGRESQL = connection.vendor == "postgresql"


def ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def latest_by_python() -> dict[int, datetime.datetime | None]:
    """Organisation id → its latest interaction, direct or with one of its people (None: never)."""
    latest = dict.fromkeys(Organisation.objects.values_list("pk", flat=True))
    people = dict(Contact.objects.values_list("pk", "organisation_id"))
    for org_id, contact_id, at in Interaction.objects.values_list("organisation_id", "contact_id", "occurred_at"):
        for pk in {org_id, people.get(contact_id)} - {None}:
            if latest[pk] is None or at > latest[pk]:
                latest[pk] = at
    return latest


def kept() -> dict[int, datetime.datetime | None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT organisation_id, last_at FROM {LAST_CONTACT}")
        return dict(cursor.fetchall())


def check() -> set[str]:
    """The names on the list, checked against Python; and on PostgreSQL the kept dates too."""
    now = timezone.now()
    with_open_pledge = set(Pledge.objects.filter(stage="prospect").values_list("organisation_id", flat=True))
    expected = {
        Organisation.objects.get(pk=pk).name
        for pk, at in latest_by_python().items()
        if pk in with_open_pledge and (at is None or now - at >= datetime.timedelta(days=30))
    }
    listed = {row["organisation"] for row in activity.not_contacted(Criteria(board="activity"), now)}
    assert listed == expected
    if POSTGRESQL:
        assert kept() == latest_by_python()
    return listed


@pytest.fixture
def sponsors(organiser):
    """Four organisations with an open pledge and one person each, none of them ever contacted."""
    event = factories.event()
    orgs = []
    for name in ("Ada Ltd", "Bede plc", "Cato & Co", "Dora Trust"):
        org = factories.organisation(name)
        Pledge.objects.create(organisation=org, event=event, amount=Decimal("500"), stage="prospect")
        factories.contact(org)
        orgs.append(org)
    return orgs


def person(org):
    return Contact.objects.get(organisation=org)


def test_interactions_direct_or_with_a_person_take_an_organisation_off(sponsors):
    ada, bede, cato, dora = sponsors
    assert check() == {"Ada Ltd", "Bede plc", "Cato & Co", "Dora Trust"}
    Interaction.objects.create(organisation=ada, kind="call", occurred_at=ago(2))
    Interaction.objects.bulk_create(
        [
            Interaction(contact=person(bede), kind="email", occurred_at=ago(5)),  # filed under no organisation
            Interaction(contact=person(cato), organisation=dora, kind="meeting", occurred_at=ago(3)),  # counts for both
            Interaction(organisation=dora, kind="call", occurred_at=ago(200)),
        ]
    )
    assert check() == set()


def test_edits_that_move_an_interaction_away_or_back_in_time_recount(sponsors):
    ada, bede, cato, dora = sponsors
    call = Interaction.objects.create(organisation=ada, contact=person(bede), kind="call", occurred_at=ago(2))
    Interaction.objects.create(organisation=cato, kind="call", occurred_at=ago(1))
    assert check() == {"Dora Trust"}
    Interaction.objects.filter(pk=call.pk).update(occurred_at=ago(90))  # corrected to long ago
    assert check() == {"Ada Ltd", "Bede plc", "Dora Trust"}
    call.occurred_at = ago(4)  # an edit through the form
    call.save()
    Interaction.objects.filter(pk=call.pk).update(summary="Only the text")  # recounts nothing
    assert check() == {"Dora Trust"}
    Interaction.objects.filter(pk=call.pk).update(organisation=dora, contact=None)  # filed elsewhere
    assert check() == {"Ada Ltd", "Bede plc"}


def test_a_person_who_moves_takes_their_interactions_along(sponsors):
    ada, bede, _, _ = sponsors
    Interaction.objects.create(contact=person(ada), kind="call", occurred_at=ago(2))
    assert check() == {"Bede plc", "Cato & Co", "Dora Trust"}
    mover = person(ada)
    mover.organisation = bede  # changes job
    mover.save()
    assert check() == {"Ada Ltd", "Cato & Co", "Dora Trust"}
    Contact.objects.filter(pk=mover.pk).update(organisation=None)  # leaves: counts for nobody
    assert check() == {"Ada Ltd", "Bede plc", "Cato & Co", "Dora Trust"}


def test_deletes_recount_and_deleted_organisations_leave_nothing(sponsors):
    ada, bede, _, _ = sponsors
    Interaction.objects.bulk_create(
        [
            Interaction(organisation=ada, kind="call", occurred_at=ago(2)),
            Interaction(organisation=ada, kind="call", occurred_at=ago(45)),
            Interaction(contact=person(bede), kind="call", occurred_at=ago(1)),
        ]
    )
    assert check() == {"Cato & Co", "Dora Trust"}
    Interaction.objects.filter(occurred_at__gt=ago(10)).delete()
    assert check() == {"Ada Ltd", "Bede plc", "Cato & Co", "Dora Trust"}
    person(bede).delete()
    gone = factories.organisation("Gone Ltd")
    Interaction.objects.create(organisation=gone, kind="call", occurred_at=ago(1))
    gone.delete()
    assert check() == {"Ada Ltd", "Bede plc", "Cato & Co", "Dora Trust"}


def test_truncating_the_tables_recounts(sponsors):
    """A backup restore and a test flush empty tables as Django flushes them (TRUNCATE on PostgreSQL)."""
    ada, _, cato, _ = sponsors
    Interaction.objects.create(organisation=ada, kind="call", occurred_at=ago(2))
    flush_tables([Interaction._meta.db_table], allow_cascade=True)  # as the backup restore does
    assert check() == {"Ada Ltd", "Bede plc", "Cato & Co", "Dora Trust"}
    Interaction.objects.create(contact=person(cato), kind="call", occurred_at=ago(2))
    assert check() == {"Ada Ltd", "Bede plc", "Dora Trust"}


@pytest.mark.django_db(transaction=True)
def test_migrating_finds_the_interactions_already_there(organiser):
    event = factories.event()
    executor = MigrationExecutor(connection)
    executor.migrate([("dashboards", "0002_interaction_day_counts")])
    quiet, busy = factories.organisation("Quiet Ltd"), factories.organisation("Busy Ltd")
    for org in (quiet, busy):
        Pledge.objects.create(organisation=org, event=event, amount=Decimal("100"), stage="prospect")
    Interaction.objects.create(contact=factories.contact(busy), kind="call", occurred_at=ago(3))
    Interaction.objects.create(organisation=quiet, kind="call", occurred_at=ago(40))
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert check() == {"Quiet Ltd"}


def test_a_recount_follows_the_rows_touched_even_when_the_statistics_say_the_table_is_empty(sponsors):
    """Migration 0004: as privacy's activity (fault 3 of docs/reliability.md), a statement touching
    no interaction of note, with statistics saying the table is empty, read every organisation once
    per organisation before. Counted in rows PostgreSQL read for this transaction, not in seconds."""
    Organisation.objects.bulk_create(Organisation(name=f"Bulk {i}", name_key=f"bulk {i}") for i in range(3000))
    ids = list(Organisation.objects.values_list("pk", flat=True))
    if POSTGRESQL:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE pg_class SET relpages = 100, reltuples = 0 WHERE relname = '{LAST_CONTACT}'")
        before = rows_read(LAST_CONTACT)
    Interaction.objects.filter(organisation_id__in=ids).delete()  # none: as an undo's delete
    Interaction.objects.filter(organisation_id__in=ids).update(summary="x")
    if POSTGRESQL:
        read = rows_read(LAST_CONTACT) - before
        assert read < 10 * len(ids), read  # before 0004: every organisation once per organisation
    check()
