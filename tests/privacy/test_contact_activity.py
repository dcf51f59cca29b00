"""The retention report stays right through every kind of write to the activity it reads.

On PostgreSQL it reads each contact's latest activity as the triggers of privacy migration
0001 keep it (privacy.contact_activity); on SQLite it probes the tables themselves. Each
test compares the report with Python over the tables, so on both databases it checks what
the organiser reads; on PostgreSQL it also compares every kept latest with the tables.
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from crm.models import Contact, FollowUp, Interaction
from partners.models import Favour
from privacy import contact_activity
from privacy.backup import flush_tables
from privacy.selectors import stale_contacts
from tests.crm import factories
from tests.pgstats import rows_read

POSTGRESQL = connection.vendor == "postgresql"
MONTHS = 24


def ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def latest_by_python() -> dict[int, datetime.datetime | None]:
    """Contact id → its latest interaction, follow-up or favour (None: none), read row by row."""
    latest = dict.fromkeys(Contact.objects.values_list("pk", flat=True))
    rows = [
        *Interaction.objects.values_list("contact_id", "occurred_at"),
        *FollowUp.objects.values_list("contact_id", "updated_at"),
        *Favour.objects.values_list("contact_id", "updated_at"),
    ]
    for contact_id, at in rows:
        if contact_id is not None and (latest[contact_id] is None or at > latest[contact_id]):
            latest[contact_id] = at
    return latest


def check() -> set[int]:
    """The report's contacts, checked against Python; and the kept latest against the tables."""
    cutoff = ago(MONTHS * 31 + 5)  # safely before the report's cutoff, so no row sits on the line
    expected = {
        pk
        for pk, at in latest_by_python().items()
        if (at is None or at < cutoff) and Contact.objects.get(pk=pk).updated_at < cutoff
    }
    reported = {contact.pk for contact in stale_contacts(MONTHS)}
    assert reported == expected
    if POSTGRESQL:
        assert contact_activity.kept() == latest_by_python()
    else:
        assert contact_activity.kept() == {}
    return reported


def untouched(org=None, days=1000):
    contact = factories.contact(org)
    Contact.objects.filter(pk=contact.pk).update(updated_at=ago(days))
    return contact


@pytest.fixture
def people(organiser):
    org = factories.organisation()
    return org, [untouched(org) for _ in range(4)]


@pytest.mark.clock
def test_new_activity_takes_a_contact_off_the_report(people, organiser):
    org, (ada, bob, cy, di) = people
    assert check() == {ada.pk, bob.pk, cy.pk, di.pk}
    Interaction.objects.create(contact=ada, summary="Called", occurred_at=ago(3))
    Interaction.objects.bulk_create(
        [Interaction(contact=bob, summary=f"Old {i}", occurred_at=ago(900 + i)) for i in range(3)]
    )  # old news: bob stays on it
    FollowUp.objects.create(contact=cy, title="Send the deck", due_date=timezone.localdate())
    Favour.objects.create(organisation=org, contact=di, direction="we_asked", description="Lanyards")
    assert check() == {bob.pk}


def test_edits_that_move_activity_back_or_away_recount(people):
    org, (ada, bob, cy, di) = people
    call = Interaction.objects.create(contact=ada, summary="Called", occurred_at=ago(3))
    follow_up = FollowUp.objects.create(contact=bob, title="Chase", due_date=timezone.localdate())
    favour = Favour.objects.create(organisation=org, contact=cy, direction="we_asked", description="Venue")
    assert check() == {di.pk}

    Interaction.objects.filter(pk=call.pk).update(occurred_at=ago(2000))  # corrected to long ago
    FollowUp.objects.filter(pk=follow_up.pk).update(updated_at=ago(1500))
    assert check() == {ada.pk, bob.pk, di.pk}

    Favour.objects.filter(pk=favour.pk).update(contact=di)  # to another person: cy is quiet, di not
    call.occurred_at = ago(1)  # an edit through the form
    call.save()
    Interaction.objects.filter(pk=call.pk).update(summary="Only the text")  # writes nothing here
    assert check() == {bob.pk, cy.pk}

    Interaction.objects.filter(pk=call.pk).update(contact=None, organisation=org)  # to the organisation
    assert check() == {ada.pk, bob.pk, cy.pk}


def test_deletes_recount_and_deleted_contacts_leave_nothing(people):
    _, (ada, bob, cy, di) = people
    Interaction.objects.bulk_create(
        [Interaction(contact=c, summary="Met", occurred_at=ago(10 + i)) for i, c in enumerate((ada, ada, bob, cy))]
    )
    Interaction.objects.create(contact=ada, summary="Long ago", occurred_at=ago(1200))
    assert check() == {di.pk}
    Interaction.objects.filter(contact__in=[ada, bob], occurred_at__gt=ago(100)).delete()
    assert check() == {ada.pk, bob.pk, di.pk}
    cy.delete()
    di.delete()
    assert check() == {ada.pk, bob.pk}


def test_activity_saved_before_its_contact_in_one_transaction_counts(organiser):
    """As a backup restore can load rows: foreign keys are checked at commit, not row by row."""
    contact_id = (Contact.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    Interaction.objects.create(contact_id=contact_id, summary="Restored", occurred_at=ago(2))
    Contact.objects.bulk_create([Contact(pk=contact_id, first_name="Ada", email="ada@example.org")])
    Contact.objects.filter(pk=contact_id).update(updated_at=ago(1000))
    assert check() == set()


def test_truncating_the_tables_recounts(people):
    """A backup restore and a test flush empty tables as Django flushes them (TRUNCATE on PostgreSQL)."""
    org, (ada, bob, cy, di) = people
    Interaction.objects.create(contact=ada, summary="Called", occurred_at=ago(3))
    Favour.objects.create(organisation=org, contact=bob, direction="we_asked", description="Venue")
    flush_tables([Interaction._meta.db_table], allow_cascade=True)  # as the backup restore does
    assert check() == {ada.pk, cy.pk, di.pk}
    flush_tables([Contact._meta.db_table, FollowUp._meta.db_table, Favour._meta.db_table], allow_cascade=True)
    assert check() == set()
    newcomer = untouched()
    assert check() == {newcomer.pk}


@pytest.mark.django_db(transaction=True)
def test_migrating_finds_the_activity_already_there(organiser):
    org = factories.organisation()
    executor = MigrationExecutor(connection)
    executor.migrate([("privacy", None)])
    quiet, busy = untouched(org), untouched(org)
    Interaction.objects.create(contact=busy, summary="Called", occurred_at=ago(3))
    Favour.objects.create(organisation=org, contact=quiet, direction="we_asked", description="Old")
    Favour.objects.filter(contact=quiet).update(updated_at=ago(1100))
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert check() == {quiet.pk}


def test_a_recount_follows_the_rows_touched_even_when_the_statistics_say_the_table_is_empty(people):
    """Fault 3 of docs/reliability.md found it: an undo right after a big import (the table analysed
    while it held only a killed import's dead rows, so its statistics say empty) ran Django's SET NULL
    on favours, touching none, and PostgreSQL's statement trigger walked every contact once per
    contact (privacy migration 0002). Counted in rows PostgreSQL read for this transaction, not in
    seconds; on both databases the report stays right."""
    org, _ = people
    Contact.objects.bulk_create(Contact(first_name=f"P{i}", last_name="Bulk", organisation=org) for i in range(6000))
    ids = list(Contact.objects.values_list("pk", flat=True))
    if POSTGRESQL:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE pg_class SET relpages = 100, reltuples = 0 WHERE relname = 'privacy_contact_activity'"
            )
        before = rows_read("privacy_contact_activity")
    Favour.objects.filter(contact_id__in=ids).update(contact=None)  # none: as an undo's SET NULL
    Interaction.objects.filter(contact_id__in=ids).delete()
    if POSTGRESQL:
        read = rows_read("privacy_contact_activity") - before
        # A few scans of the table at most; before 0002, every contact once per contact: 36 million here.
        assert read < 10 * len(ids), read
    check()
