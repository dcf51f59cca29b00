"""The fast paths of import and export give exactly what the plain ORM paths gave."""

import datetime as dt
import gc
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.utils import timezone

from crm.models import Contact, ImportBatch, Organisation, Tag
from spreadsheets import exports
from spreadsheets.importing import ImportRejected, auto_map, commit_import, plan_import, read_table, undo_import
from spreadsheets.resources.base import MULTI_ROWS, fetch_values
from spreadsheets.resources.widgets import EmailWidget

pytestmark = pytest.mark.django_db


def plan_for(text, **kwargs):
    table = read_table(text.encode(), "f.csv")
    return plan_import("contacts", table, auto_map("contacts", table.headers), **kwargs)


def test_fetch_values_matches_values_list_with_aware_datetimes():
    org = Organisation.objects.create(name="Acme Ltd")
    Contact.objects.create(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.org",
        organisation=org,
        consent_date=dt.date(2025, 3, 31),
        do_not_contact=True,
    )
    Contact.objects.create(first_name="Grace", last_name="Hopper")
    names = [f.attname for f in Contact._meta.concrete_fields]
    fast = list(fetch_values(Contact.objects.all(), names))
    assert fast == list(Contact.objects.values_list(*names))
    created = fast[0][names.index("created_at")]
    assert timezone.is_aware(created) and isinstance(fast[0][names.index("do_not_contact")], bool)


def test_name_match_picks_the_same_contact_as_the_model_ordering():
    # Two stored contacts share the case-insensitive name key; the one first in
    # (last_name, first_name, id) order is matched, whatever their ids.
    Contact.objects.create(first_name="ada", last_name="lovelace", job_title="first by id")
    later = Contact.objects.create(first_name="Ada", last_name="Lovelace", job_title="first by name")
    plan = plan_for("First Name,Last Name,Job Title\nADA,LOVELACE,New title\n")
    assert plan.counts["updated"] == 1
    assert plan.rows[0].snapshot["id"] == later.pk


def test_name_match_does_not_depend_on_the_order_rows_lie_in_the_table():
    # Stored contacts are read unsorted; after an edit the first contact's row lies after
    # the second's in a PostgreSQL table, and the first in (last_name, first_name, id)
    # order must still be the one matched.
    first = Contact.objects.create(first_name="Ada", last_name="Lovelace", job_title="first")
    second = Contact.objects.create(first_name="Ada", last_name="Lovelace", job_title="second")
    Contact.objects.filter(pk=first.pk).update(notes="edited")
    plan = plan_for("First Name,Last Name,Job Title\nAda,Lovelace,New title\n")
    assert plan.rows[0].snapshot["id"] == first.pk
    commit_import(plan, user=None)
    assert dict(Contact.objects.values_list("pk", "job_title")) == {first.pk: "New title", second.pk: "second"}


def test_email_check_agrees_with_django():
    widget = EmailWidget()
    samples = [
        "ada@example.org",
        "a.b+c@sub.example.co.uk",
        "x@localhost",
        "bad@",
        "@bad.org",
        "a@b",
        "a@-bad.org",
        "a@bad-.org",
        "a b@example.org",
        "a@[127.0.0.1]",
        "ünï@example.org",
        "a@exämple.org",
        "a" * 65 + "@example.org",
        "a@" + "b" * 64 + ".org",
        "ok@EXAMPLE.ORG",
    ]
    for sample in samples * 2:  # twice: the second time from the domain cache
        try:
            expected = _django_clean(sample)
        except ValueError as exc:
            expected = exc.__class__
        try:
            got = widget.clean(sample)
        except ValueError as exc:
            got = exc.__class__
        assert got == expected, sample


def _django_clean(value):
    from crm.normalise import email_key
    from spreadsheets.resources.widgets import _EMAIL_QUICK

    text = email_key(value)
    if not _EMAIL_QUICK.match(text):
        raise ValueError(value)
    try:
        validate_email(text)
    except ValidationError:
        raise ValueError(value) from None
    return text


def test_large_commit_history_order_and_undo_round_trip():
    Contact.objects.create(first_name="Kept", email="kept@example.org", job_title="Old")
    rows = "".join(f"p{i}@example.org,P{i},Org {i % 7},launch\n" for i in range(MULTI_ROWS * 2 + 17))
    plan = plan_for("Email,First Name,Company,Tags\nkept@example.org,Keeper,,\n" + rows)
    batch = commit_import(plan, user=None)
    created = batch.created_records["crm.contact"]
    assert len(created) == MULTI_ROWS * 2 + 17
    # ids follow the file order
    assert list(Contact.objects.filter(pk__in=created).order_by("pk").values_list("email", flat=True)) == [
        f"p{i}@example.org" for i in range(MULTI_ROWS * 2 + 17)
    ]
    assert Contact.history.filter(history_type="+").count() == MULTI_ROWS * 2 + 17 + 1  # + "Kept" itself
    assert Contact.history.filter(history_type="~", email="kept@example.org").count() == 1
    assert Organisation.history.count() == 7
    hist = Contact.history.get(email="p5@example.org")
    assert hist.history_change_reason == f"import #{batch.pk}" and hist.created_at is not None
    assert Contact.objects.get(email="p5@example.org").tags.get().name == "launch"
    undo_import(batch)
    assert Contact.objects.count() == 1 and Organisation.objects.count() == 0
    assert Contact.objects.get().first_name == "Kept"


def test_failure_in_history_insert_leaves_every_table_unchanged():
    rows = "".join(f"p{i}@example.org,P{i},Org {i % 3}\n" for i in range(MULTI_ROWS + 5))
    plan = plan_for("Email,First Name,Company\n" + rows)
    import spreadsheets.resources.base as resources

    real = resources.insert_values
    calls = {"n": 0}

    def flaky(cursor, table, columns, values):
        calls["n"] += 1
        if table == Contact.history.model._meta.db_table:
            raise RuntimeError("disk full")
        return real(cursor, table, columns, values)

    with mock.patch.object(resources, "insert_values", flaky), pytest.raises(RuntimeError):
        commit_import(plan, user=None)
    assert Contact.objects.count() == 0 and Organisation.objects.count() == 0
    assert Contact.history.count() == 0 and Organisation.history.count() == 0
    assert ImportBatch.objects.count() == 0


def test_garbage_collector_back_on_after_each_step_even_on_error():
    assert gc.isenabled()
    plan = plan_for("Email,First Name\na@example.org,A\n")
    assert gc.isenabled()
    commit_import(plan, user=None)
    assert gc.isenabled()
    with pytest.raises(ImportRejected, match="empty"):
        read_table(b"", "f.csv")
    assert gc.isenabled()
    gc.disable()
    try:
        plan_for("Email,First Name\nb@example.org,B\n")
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def _csv(target_name, data=None):
    target = exports.get_target(target_name)
    queryset = exports.filtered_queryset(target, data or {}, include_do_not_contact=True)
    return b"".join(exports.iter_csv(exports.RowStream(target, queryset, chunk_size=7), rows_per_part=5))


@pytest.mark.parametrize("target_name", ["contacts", "organisations", "pledges", "interactions", "followups"])
def test_export_fast_path_gives_the_orm_paths_bytes(target_name, organiser):
    tags = [Tag.objects.create(name=n) for n in ("beta", "Alpha", "gamma")]
    orgs = [
        Organisation.objects.create(name=f"Org {n}", city="=cmd" if n == 2 else "Leeds", is_sponsor=n % 2 == 0)
        for n in range(5)
    ]
    for n in range(23):
        contact = Contact.objects.create(
            first_name=f"F{n % 4}",
            last_name=["Zed", "ada", "Ada", "-minus"][n % 4],
            email=f"c{n}@example.org",
            job_title="+1 boss" if n == 3 else "Manager",
            organisation=orgs[n % 5] if n % 6 else None,
            owner=organiser if n % 2 else None,
            do_not_contact=n % 5 == 0,
            consent_date=dt.date(2025, 1, 1 + n) if n % 3 == 0 else None,
            notes="@note" if n == 4 else "",
        )
        contact.tags.set(tags[: n % 4])
    for org in orgs[:3]:
        org.tags.set(tags[1:])
    if target_name in ("contacts", "organisations"):  # the fast path is really taken (it is SQLite's)
        target = exports.get_target(target_name)
        stream = exports.RowStream(target, exports.filtered_queryset(target, {}, include_do_not_contact=True))
        assert (stream._raw_query(stream._plan()[0]) is not None) == (connection.vendor == "sqlite")
    fast = _csv(target_name)
    with (
        mock.patch.object(exports.RowStream, "_raw_query", return_value=None),
        mock.patch.object(
            exports.RowStream,
            "_tag_rows",
            lambda self, m2m, source, tag, ids: m2m.remote_field.through.objects.filter(
                **{f"{source}__in": ids}
            ).values_list(source, f"{tag}__name"),
        ),
    ):
        slow = _csv(target_name)
    assert fast == slow
    if target_name == "contacts":
        text = fast.decode("utf-8-sig")
        assert "'+1 boss" in text and "'@note" in text and "Alpha; beta" in text


def test_export_fast_path_with_a_filter_that_matches_nothing():
    Contact.objects.create(first_name="Ada", email="ada@example.org")
    target = exports.get_target("contacts")
    queryset = exports.filtered_queryset(target, {}, include_do_not_contact=True).filter(pk__in=[])
    assert list(exports.RowStream(target, queryset)) == []
