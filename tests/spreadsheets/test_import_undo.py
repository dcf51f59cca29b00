"""Undo: created records go, changed records come back, and edits made since block it."""

import pytest

from crm.models import Contact, ImportBatch, Organisation, Tag
from spreadsheets.importing import ImportUndoRefused, auto_map, commit_import, plan_import, read_table, undo_import

pytestmark = pytest.mark.django_db


def run(text, target="contacts", **kwargs):
    table = read_table(text.encode(), "f.csv")
    plan = plan_import(target, table, auto_map(target, table.headers), **kwargs)
    return commit_import(plan, user=None, file_name="f.csv")


def test_round_trip_deletes_created_and_restores_changed(staff):
    acme = Organisation.objects.create(name="Acme", city="Leeds")
    ada = Contact.objects.create(
        first_name="Ada", last_name="Lovelace", email="ada@example.org", job_title="Analyst", organisation=acme
    )
    Tag.objects.create(name="old")
    ada.tags.set(Tag.objects.all())
    before_orgs = set(Organisation.objects.values_list("pk", flat=True))
    batch = run(
        "Email,First Name,Job Title,Company,Tags\n"
        "ada@example.org,Ada,Director,New Org,launch\n"
        "alan@example.org,Alan,Researcher,New Org,launch\n"
    )
    ada.refresh_from_db()
    assert ada.job_title == "Director" and ada.organisation.name == "New Org"
    assert ada.tags.count() == 2 and Contact.objects.count() == 2

    result = undo_import(batch, user=staff)
    assert result == {"deleted": 2, "restored": 1}
    ada.refresh_from_db()
    assert ada.job_title == "Analyst" and ada.organisation == acme
    assert list(ada.tags.values_list("name", flat=True)) == ["old"]
    assert list(Contact.objects.all()) == [ada]
    assert set(Organisation.objects.values_list("pk", flat=True)) == before_orgs
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE and batch.undone_at is not None

    with pytest.raises(ImportUndoRefused, match="already undone"):
        undo_import(batch, user=staff)


def test_refused_when_a_changed_record_was_edited_after_import():
    ada = Contact.objects.create(first_name="Ada", email="ada@example.org", job_title="Analyst")
    alan_batch = run("Email,First Name,Job Title\nada@example.org,Ada,Director\nalan@example.org,Alan,X\n")
    ada.refresh_from_db()
    ada.phone = "0161 000"
    ada.save()
    with pytest.raises(ImportUndoRefused, match=r"Contact “Ada” \(#\d+\) was edited after import"):
        undo_import(alan_batch, user=None)
    # nothing was undone
    assert Contact.objects.filter(email="alan@example.org").exists()
    ada.refresh_from_db()
    assert ada.job_title == "Director"
    assert ImportBatch.objects.get().status == ImportBatch.Status.COMMITTED


def test_refused_when_a_created_record_was_edited_after_import():
    batch = run("Email,First Name\nalan@example.org,Alan\n")
    alan = Contact.objects.get()
    alan.job_title = "Codebreaker"
    alan.save()
    with pytest.raises(ImportUndoRefused, match="Alan"):
        undo_import(batch, user=None)
    assert Contact.objects.count() == 1


def test_organisations_import_undo():
    Organisation.objects.create(name="Acme", city="Leeds")
    batch = run("Name,City,Roles\nAcme Ltd,York,sponsor\nBeta,Hull,\n", "organisations")
    undo_import(batch, user=None)
    acme = Organisation.objects.get()
    assert acme.city == "Leeds" and not acme.is_sponsor


def test_ids_recorded_after_an_undo_freed_the_highest_ids():
    first = run("Email\na@example.org\nb@example.org\n")
    undo_import(first, user=None)
    keep = Contact.objects.create(email="keep@example.org")
    second = run("Email\nc@example.org\nd@example.org\n")
    assert sorted(second.created_records["crm.contact"]) == sorted(
        Contact.objects.exclude(pk=keep.pk).values_list("pk", flat=True)
    )
    undo_import(second, user=None)
    assert list(Contact.objects.all()) == [keep]
