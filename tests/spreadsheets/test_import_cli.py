"""manage.py import_csv / undo_import: one summary line, errors on stderr, non-zero exits."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm.models import Contact, ImportBatch, Organisation

pytestmark = pytest.mark.django_db


def call(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def csv_file(tmp_path):
    def make(text, name="contacts.csv", binary=False):
        path = tmp_path / name
        if binary:
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return str(path)

    return make


def test_import_prints_one_summary_line_and_commits(csv_file, staff):
    path = csv_file("E-mail Address,First Name,Company\nada@example.org,Ada,Acme\nalan@example.org,Alan,Acme\n")
    out, _err = call("import_csv", "contacts", path, "--user", staff.username)
    assert out == "new=2 updated=0 unchanged=0 skipped=0 errors=0\n"
    batch = ImportBatch.objects.get()
    assert batch.created_by == staff and batch.file_name == "contacts.csv"
    assert Contact.objects.count() == 2 and Organisation.objects.count() == 1


def test_dry_run_writes_nothing(csv_file):
    out, _ = call("import_csv", "contacts", csv_file("Email\nada@example.org\n"), "--dry-run")
    assert out.strip() == "new=1 updated=0 unchanged=0 skipped=0 errors=0"
    assert Contact.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_errors_listed_and_nothing_written_without_allow_errors(csv_file):
    path = csv_file("Email,First Name\nada@example.org,Ada\nnope,Bad\n")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 row\\(s\\) have errors; nothing was written"):
        call_command("import_csv", "contacts", path, stdout=out, stderr=err)
    assert out.getvalue() == "new=1 updated=0 unchanged=0 skipped=0 errors=1\n"
    assert "line 3, column Email: “nope” is not a valid email address." in err.getvalue()
    assert Contact.objects.count() == 0 and ImportBatch.objects.count() == 0
    call("import_csv", "contacts", path, "--allow-errors")
    assert list(Contact.objects.values_list("email", flat=True)) == ["ada@example.org"]
    assert ImportBatch.objects.get().error_count == 1


def test_map_option_and_mode(csv_file):
    Contact.objects.create(first_name="Ada", email="ada@example.org")
    path = csv_file("Mail,Role Held\nada@example.org,Director\nnew@example.org,Intern\n")
    out, _ = call(
        "import_csv", "contacts", path, "--map", "Mail=email", "--map", "Role Held=job_title", "--mode", "update"
    )
    assert out.strip() == "new=0 updated=1 unchanged=0 skipped=1 errors=0"
    assert Contact.objects.get().job_title == "Director"


@pytest.mark.parametrize(
    "content, name, message",
    [
        ("", "empty.csv", "The file is empty."),
        ("Email,Name\n", "c.csv", "header row but no data rows"),
        (b"\x00\x01\x02binary", "c.csv", "binary file"),
        ("Email\na@example.org\n", "c.docx", "use a .csv, .txt, .tsv or .xlsx file"),
        ("Email,Name\na@example.org,A,B\n", "c.csv", "Line 2 has 3 cells but the header has 2."),
        ('Email,Name\na@example.org,"A\n', "c.csv", "never closed"),
        ("Phone\n123\n", "c.csv", "no column for Email or a name"),
    ],
)
def test_rejected_files_exit_non_zero_and_write_nothing(csv_file, content, name, message):
    path = csv_file(content, name, binary=isinstance(content, bytes))
    with pytest.raises(CommandError, match=message):
        call("import_csv", "contacts", path)
    assert Contact.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_size_limit(csv_file, settings):
    settings.CRM_IMPORT_MAX_BYTES = 50
    with pytest.raises(CommandError, match="the limit is 50 bytes"):
        call("import_csv", "contacts", csv_file("Email\n" + "a@example.org\n" * 10))


def test_unresolvable_organisation_for_pledges(csv_file):
    from crm.models import Event

    Event.objects.create(name="Launch")
    path = csv_file("Organisation,Event,Amount\nNobody,Launch,100\n")
    with pytest.raises(CommandError):
        call("import_csv", "pledges", path)


def test_undo_import_command(csv_file):
    call("import_csv", "contacts", csv_file("Email\nada@example.org\nalan@example.org\n"))
    batch = ImportBatch.objects.get()
    out, _ = call("undo_import", str(batch.pk))
    assert out.strip() == f"Undid import #{batch.pk}: deleted 2, restored 0"
    assert Contact.objects.count() == 0
    with pytest.raises(CommandError, match="already undone"):
        call("undo_import", str(batch.pk))
    with pytest.raises(CommandError, match="No import #999"):
        call("undo_import", "999")
