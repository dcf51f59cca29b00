"""manage.py backup / restore: the whole database round-trips, verified by per-table counts and checksums;
a damaged file or a failed verification changes nothing."""

import base64
import gzip
import json

import pytest
from django.core.management import CommandError, call_command

from crm.models import Contact, ImportBatch, Organisation
from privacy import backup
from sponsors.models import Pledge
from spreadsheets.importing import auto_map, commit_import, plan_import, read_table

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Restores stage files beside MEDIA_ROOT: keep them out of the project folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _import_people():
    text = "Email,First Name,Last Name,Company,Tags\n" + "".join(
        f"imp{i}@example.org,Imp{i},<b>Row</b>,Import Org {i % 3},launch\n" for i in range(12)
    )
    table = read_table(text.encode(), "people.csv")
    commit_import(plan_import("contacts", table, auto_map("contacts", table.headers)), file_name="people.csv")


@pytest.fixture
def seeded():
    """The demo data plus an import batch (with its history rows): every kind of table has rows."""
    from io import StringIO

    call_command("seed_demo", stdout=StringIO())
    _import_people()
    return backup.table_state()


@pytest.fixture
def small(organiser):
    """A few rows are enough for the damaged-file tests (seeding the demo each time is slow)."""
    _import_people()
    return backup.table_state()


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_round_trip_restores_every_table_exactly(seeded, tmp_path):
    state = seeded
    assert ImportBatch.objects.exists() and Contact.history.exists() and Pledge.objects.exists()
    assert state["crm.historicalcontact"]["rows"] > 0 and state["crm.contact_tags"]["rows"] > 0
    assert state["auth.group_permissions"]["rows"] > 0 and state["contenttypes.contenttype"]["rows"] > 0
    path = tmp_path / "crm.json.gz"
    out = run("backup", "-o", str(path))
    total = sum(t["rows"] for t in state.values())
    assert out.strip() == f"Backed up {total} rows in {len(state)} tables to {path}"
    assert path.stat().st_mode & 0o077 == 0  # personal data: owner-only file
    manifest = json.loads(gzip.decompress(path.read_bytes()))["manifest"]
    assert {k: {"rows": v["rows"], "sha256": v["sha256"]} for k, v in manifest["tables"].items()} == state
    assert manifest["django_version"] and manifest["database_engine"] and manifest["created_at"]

    # Lose and change data: delete organisations (cascading), add a contact, edit a pledge.
    Organisation.objects.filter(name__startswith="Import Org").delete()  # contacts' organisation set null
    Contact.objects.create(first_name="Added", last_name="Later", email="added@example.org")
    Pledge.objects.filter(pk=Pledge.objects.first().pk).update(amount=1)
    assert backup.table_state() != state

    with pytest.raises(CommandError, match="Re-run with --yes"):
        run("restore", str(path))
    out = run("restore", str(path), "--yes")
    assert out.strip() == f"Restored {total} rows in {len(state)} tables from {path}; checksums match"
    assert backup.table_state() == state
    assert not Contact.objects.filter(email="added@example.org").exists()
    # The search index follows (PostgreSQL's is a table its triggers fill, emptied by the restore's TRUNCATE).
    from crm.selectors.search import search

    assert search("added@example")["contacts"] == []
    assert search("import org")["contacts_count"] == 12
    # The restored database keeps working: new rows get fresh ids, history keeps recording.
    new = Contact.objects.create(first_name="After", email="after@example.org")
    assert new.pk > max(Contact.objects.exclude(pk=new.pk).values_list("pk", flat=True))


def test_check_only_verifies_the_file(small, tmp_path):
    path = tmp_path / "b.json.gz"
    run("backup", "-o", str(path))
    Contact.objects.all().delete()
    assert "checksums match" in run("restore", str(path), "--check")
    assert Contact.objects.count() == 0


def _rewrite(path, change):
    doc = json.loads(gzip.decompress(path.read_bytes()))
    change(doc)
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))


def _edit_cell(doc):
    rows = doc["data"]["crm.organisation"]
    rows[0][1] = "Tampered Ltd"


def _drop_row(doc):
    doc["data"]["crm.contact"].pop()


def _drop_table(doc):
    del doc["data"]["partners.favour"]


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "not a complete gzip file"),
        (lambda p: p.write_bytes(b"not gzip at all"), "not a complete gzip file"),
        (lambda p: p.write_bytes(gzip.compress(b'{"format": "sponsorship-crm-backup", "vers')), "valid backup JSON"),
        (lambda p: p.write_bytes(gzip.compress(b"[1, 2, 3]")), "not a sponsorship CRM backup"),
        (lambda p: _rewrite(p, _edit_cell), "rows of crm.organisation do not match their checksum"),
        (lambda p: _rewrite(p, _drop_row), "crm.contact should have"),
        (lambda p: _rewrite(p, _drop_table), "does not match its manifest"),
    ],
    ids=[
        "truncated-gzip",
        "not-gzip",
        "truncated-json",
        "wrong-document",
        "edited-cell",
        "dropped-row",
        "dropped-table",
    ],
)
def test_damaged_backup_refused_and_database_unchanged(small, tmp_path, damage, message):
    path = tmp_path / "b.json.gz"
    run("backup", "-o", str(path))
    Contact.objects.create(first_name="Current", email="current@example.org")
    before = backup.table_state()
    damage(path)
    with pytest.raises(CommandError, match=message):
        run("restore", str(path), "--yes")
    assert backup.table_state() == before


def test_consistent_but_wrong_backup_fails_verification_and_rolls_back(small, tmp_path):
    """A file whose manifest matches its rows but whose rows break a foreign key: loaded, refused, rolled back."""
    path = tmp_path / "b.json.gz"
    run("backup", "-o", str(path))

    def orphan(doc):
        rows = doc["data"]["crm.contact"]
        org_col = doc["manifest"]["tables"]["crm.contact"]["columns"].index("organisation_id")
        rows[0][org_col] = 999999
        doc["manifest"]["tables"]["crm.contact"]["sha256"] = backup._checksum(rows)

    _rewrite(path, orphan)
    Contact.objects.create(first_name="Current", email="current@example.org")
    before = backup.table_state()
    with pytest.raises(CommandError, match="foreign key"):
        run("restore", str(path), "--yes")
    assert backup.table_state() == before


def test_verification_mismatch_after_load_rolls_back(small, tmp_path, monkeypatch):
    path = tmp_path / "b.json.gz"
    run("backup", "-o", str(path))
    Organisation.objects.filter(name="Import Org 1").delete()
    before = backup.table_state()
    real_insert = backup._insert

    def lossy(model, rows):  # a row silently lost on the way in
        real_insert(model, rows[:-1] if model is Contact.tags.through else rows)

    monkeypatch.setattr(backup, "_insert", lossy)
    with pytest.raises(CommandError, match=r"After restoring, crm.contact_tags has .* nothing was restored"):
        run("restore", str(path), "--yes")
    assert backup.table_state() == before


def test_backup_from_another_schema_refused(small, tmp_path):
    path = tmp_path / "b.json.gz"
    run("backup", "-o", str(path))

    def extra_column(doc):
        doc["manifest"]["tables"]["crm.tag"]["columns"].append("colour")

    _rewrite(path, extra_column)
    with pytest.raises(CommandError, match=r"columns for crm\.tag differ"):
        run("restore", str(path), "--yes")


def test_uploaded_files_travel_with_the_rows(small, tmp_path, settings, django_capture_on_commit_callbacks):
    """Email attachments live in MEDIA_ROOT: a restore puts back exactly the files of the backup."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    (media / "mail" / "2026").mkdir(parents=True)
    (media / "mail" / "2026" / "deck.pdf").write_bytes(b"%PDF-1.7 sponsorship pack")
    (media / "notes.txt").write_bytes("Zoë's notes".encode())
    path = tmp_path / "b.json.gz"
    run("backup", "-o", str(path))
    manifest = json.loads(gzip.decompress(path.read_bytes()))["manifest"]
    assert manifest["files"]["mail/2026/deck.pdf"]["size"] == len(b"%PDF-1.7 sponsorship pack")

    (media / "notes.txt").write_bytes(b"changed")
    (media / "mail" / "2026" / "deck.pdf").unlink()
    (media / "stray.bin").write_bytes(b"added after the backup")
    with django_capture_on_commit_callbacks(execute=True):
        run("restore", str(path), "--yes")
    assert (media / "mail" / "2026" / "deck.pdf").read_bytes() == b"%PDF-1.7 sponsorship pack"
    assert (media / "notes.txt").read_text() == "Zoë's notes"
    assert not (media / "stray.bin").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".media-restore-", "media.replaced"))]


def test_a_damaged_file_in_the_backup_is_refused_and_nothing_changes(small, tmp_path, settings):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    media.mkdir()
    (media / "a.txt").write_bytes(b"original")
    path = tmp_path / "b.json.gz"
    run("backup", "-o", str(path))

    def tamper(doc):
        doc["files"]["a.txt"] = base64.b64encode(b"tampered").decode()

    _rewrite(path, tamper)
    (media / "a.txt").write_bytes(b"current")
    before = backup.table_state()
    with pytest.raises(CommandError, match="does not match its size or checksum"):
        run("restore", str(path), "--yes")
    assert (media / "a.txt").read_bytes() == b"current" and backup.table_state() == before
