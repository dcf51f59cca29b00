"""The bulk writes of a commit (COPY on PostgreSQL, multi-row INSERTs on SQLite) store exactly what the file says.

These run on both databases (scripts/with-postgres.sh for PostgreSQL): the values that
a text COPY stream must escape, ids and their order, several groups of updated
columns in one batch, history, undo, and a clash with someone else's insert.
"""

import datetime as dt
import io

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from crm.models import Contact, ImportBatch, Organisation
from spreadsheets.importing import auto_map, commit_import, plan_import, read_table, undo_import
from spreadsheets.resources.base import MULTI_ROWS

pytestmark = pytest.mark.django_db

AWKWARD = [
    "tab\there",
    "new\nline",
    "back\\slash",
    "\\N",
    "NULL",
    "",
    "“quotes” 'and' \"more\"",
    "Zoë Ñandú 日本",
    "comma, semicolon;",
    "trailing space ",
    "\\.",
    "carriage\rreturn",
]


def csv_text(rows, headers):
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def plan_for(text, target="contacts"):
    table = read_table(text.encode(), "f.csv")
    return plan_import(target, table, auto_map(target, table.headers))


def test_awkward_text_dates_and_flags_round_trip_on_create_and_update(staff):
    headers = ["Email", "First Name", "Last Name", "Job Title", "Notes", "Consent Date", "Do Not Contact", "Company"]
    rows = [
        [
            f"p{i}@example.org",
            f"P{i}",
            "Last",
            text,
            text + " note",
            "2025-03-31" if i % 2 else "",
            "yes" if i % 3 == 0 else "no",
            f"Org “{i % 3}” \\ Ltd",
        ]
        for i, text in enumerate(AWKWARD)
    ]
    plan = plan_for(csv_text(rows, headers))
    assert plan.counts["new"] == len(AWKWARD), plan.errors
    batch = commit_import(plan, user=staff)
    for i, _text in enumerate(AWKWARD):
        contact = Contact.objects.get(email=f"p{i}@example.org")
        expected = plan.rows[i].values
        assert contact.job_title == (expected["job_title"] or "") and contact.notes == expected["notes"]
        assert contact.consent_date == (dt.date(2025, 3, 31) if i % 2 else None)
        assert contact.do_not_contact is (i % 3 == 0)
        assert contact.organisation.name == expected["organisation"].name
        hist = Contact.history.get(id=contact.pk)
        assert (hist.job_title, hist.notes, hist.history_type) == (contact.job_title, contact.notes, "+")
        assert hist.history_change_reason == f"import #{batch.pk}" and hist.history_user == staff

    # the same values again, shifted one row: every contact changes, through the update path
    shifted = [[*row[:3], AWKWARD[(i + 1) % len(AWKWARD)], row[4], "", "", row[7]] for i, row in enumerate(rows)]
    plan2 = plan_for(csv_text(shifted, headers))
    assert plan2.counts["updated"] >= len(AWKWARD) - 1, plan2.summary
    commit_import(plan2, user=staff)
    for i, row in enumerate(shifted):
        contact = Contact.objects.get(email=row[0])
        # a blank cell never overwrites: those keep the first import's value
        assert contact.job_title == (plan2.rows[i].values["job_title"] or plan.rows[i].values["job_title"] or "")
        assert contact.consent_date == (dt.date(2025, 3, 31) if i % 2 else None)  # blanks never overwrite


def test_created_ids_follow_the_file_and_never_reuse_a_deleted_id():
    gone = Contact.objects.create(first_name="Gone", email="gone@example.org")
    gone_pk = gone.pk
    gone.delete()
    plan = plan_for("Email,First Name,Company\n" + "".join(f"p{i}@example.org,P{i},Org {i % 4}\n" for i in range(30)))
    batch = commit_import(plan)
    ids = batch.created_records["crm.contact"]
    assert ids == sorted(ids) and min(ids) > gone_pk
    assert [Contact.objects.get(pk=pk).email for pk in ids] == [f"p{i}@example.org" for i in range(30)]
    orgs = batch.created_records["crm.organisation"]
    assert sorted(Organisation.objects.values_list("pk", flat=True)) == sorted(orgs)
    names = {c.organisation.name for c in Contact.objects.select_related("organisation")}
    assert names == {f"Org {i}" for i in range(4)}
    # the database's own numbering carries on after the import's
    later = Contact.objects.create(first_name="Later", email="later@example.org")
    assert later.pk > max(ids)


def test_rows_changing_different_columns_get_their_own_values_history_and_undo(staff):
    acme = Organisation.objects.create(name="Acme Ltd")
    for i in range(9):
        Contact.objects.create(
            first_name=f"P{i}", email=f"p{i}@example.org", job_title="Old", phone="0", organisation=acme
        )
    before = {c.pk: (c.job_title, c.phone, c.organisation_id, c.updated_at) for c in Contact.objects.all()}
    rows = []
    for i in range(9):
        kind = i % 3  # 0: job title only; 1: phone only; 2: both, and a new organisation
        rows.append(
            [
                f"p{i}@example.org",
                f"P{i}",
                "New" if kind != 1 else "Old",
                f"0{i}" if kind else "0",
                "Acme Ltd" if kind != 2 else "Beta Ltd",
            ]
        )
    plan = plan_for(csv_text(rows, ["Email", "First Name", "Job Title", "Phone", "Company"]))
    assert plan.counts["updated"] == 9, plan.summary
    batch = commit_import(plan, user=staff)
    beta = Organisation.objects.get(name="Beta Ltd")
    for i in range(9):
        contact = Contact.objects.get(email=f"p{i}@example.org")
        kind = i % 3
        assert contact.job_title == ("New" if kind != 1 else "Old")
        assert contact.phone == (f"0{i}" if kind else "0")
        assert contact.organisation_id == (beta.pk if kind == 2 else acme.pk)
        assert contact.updated_at > before[contact.pk][3] and contact.updated_at <= batch.created_at
        hist = Contact.history.filter(id=contact.pk, history_type="~").get()
        assert (hist.job_title, hist.phone, hist.organisation_id) == (
            contact.job_title,
            contact.phone,
            contact.organisation_id,
        )
    undo_import(batch, user=staff)
    after = {c.pk: (c.job_title, c.phone, c.organisation_id) for c in Contact.objects.all()}
    assert after == {pk: v[:3] for pk, v in before.items()}
    assert not Organisation.objects.filter(name="Beta Ltd").exists()


def test_organisation_updates_set_roles_and_text():
    Organisation.objects.create(name="Acme Ltd", city="Leeds")
    Organisation.objects.create(name="Beta Ltd", city="York")
    plan = plan_for(
        'Name,City,Roles\nAcme Ltd,"Back\\slash, \\N",sponsor\nBeta Ltd,York,supplier\nGamma,Hull,\n',
        target="organisations",
    )
    assert plan.summary == "new=1 updated=2 unchanged=0 skipped=0 errors=0"
    batch = commit_import(plan)
    acme, beta = Organisation.objects.get(name="Acme Ltd"), Organisation.objects.get(name="Beta Ltd")
    assert acme.city == "Back\\slash, \\N" and acme.is_sponsor and not acme.is_supplier
    assert beta.city == "York" and beta.is_supplier
    assert Organisation.objects.get(name="Gamma").city == "Hull"
    assert Organisation.history.filter(history_type="~").count() == 2
    undo_import(batch)
    assert list(Organisation.objects.order_by("name").values_list("name", "city")) == [
        ("Acme Ltd", "Leeds"),
        ("Beta Ltd", "York"),
    ]


def test_a_clash_with_someone_elses_insert_is_an_integrity_error_and_writes_nothing():
    plan = plan_for("Email,First Name\n" + "".join(f"p{i}@example.org,P{i}\n" for i in range(50)))
    assert plan.counts["new"] == 50
    Contact.objects.create(first_name="Quick", email="p49@example.org")  # between the dry run and the commit
    with pytest.raises(IntegrityError):
        commit_import(plan)
    assert Contact.objects.count() == 1 and not ImportBatch.objects.exists()
    assert Contact.history.count() == 1


def test_the_bulk_writes_are_counted_as_queries_and_do_not_grow_with_rows():
    def commit_queries(n, offset):
        plan = plan_for(
            "Email,First Name,Company\n"
            + "".join(f"p{offset + i}@example.org,P{i},Org {offset + i % 5}\n" for i in range(n))
        )
        with CaptureQueriesContext(connection) as ctx:
            commit_import(plan)
        return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]

    small, _ = commit_queries(20, 0)
    large, sql = commit_queries(MULTI_ROWS - 10, 10_000)  # one statement per table on SQLite, one COPY on PostgreSQL
    assert large == small
    assert any(
        ("COPY" if connection.vendor == "postgresql" else "INSERT") in s and "crm_historicalcontact" in s for s in sql
    )
