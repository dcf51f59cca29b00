"""The documented commands (README, docs/) run in any order on any data end with a clear message,
never a traceback: each either succeeds or stops with a CommandError (which manage.py prints as
one line) or argparse's usage error, never another exception."""

import gzip
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from invoicing.models import Invoice
from sponsors.models import Pledge, Stage

ROOT = Path(__file__).resolve().parent.parent


def test_seed_demo_after_generate_data_adds_the_demo_beside_it(db, capsys):
    call_command("generate_data", "--scale", "small", "--seed", "3")
    generated = Pledge.objects.count()
    call_command("seed_demo")  # the tags it uses exist already (in another case): reused, not refused
    out = capsys.readouterr().out
    assert "Demo data created" in out
    assert Pledge.objects.count() >= generated + 17  # the launch's, and whatever other demo steps add
    invoiced = Pledge.objects.filter(stage__in=[Stage.INVOICED, Stage.PAID])
    assert Invoice.objects.filter(pledge__in=invoiced).count() == invoiced.count()


def test_generate_data_twice_says_what_to_do(db):
    call_command("generate_data", "--scale", "small")
    with pytest.raises(CommandError, match=r"already holds CRM data\. Run with --clear"):
        call_command("generate_data", "--scale", "small")
    call_command("generate_data", "--scale", "small", "--clear")  # and --clear does it


def test_generate_data_after_seed_demo_refuses_then_clears(db, capsys):
    call_command("seed_demo")
    with pytest.raises(CommandError, match="already holds CRM data"):
        call_command("generate_data", "--scale", "small")
    call_command("generate_data", "--scale", "small", "--clear")
    call_command("seed_demo")  # and the demo again on top
    assert "Demo data created" in capsys.readouterr().out


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty."),
        (b"first_name,last_name,email\n", "The file has a header row but no data rows."),
    ],
)
def test_import_csv_of_an_empty_file(db, tmp_path, content, message):
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_csv", "contacts", str(path))


@pytest.mark.parametrize(
    "args, message",
    [
        (["import_csv", "contacts", "/no/such/file.csv"], "Cannot read /no/such/file.csv"),
        (["undo_import", "12"], "No import #12."),
        (["export_csv", "contacts", "-o", "/no/such/dir/out.csv"], "Cannot write /no/such/dir/out.csv"),
        (["export_csv", "contacts", "--filter", "city"], "--filter needs FIELD=VALUE"),
        (["raise_invoice", "1"], "There is no pledge 1."),
        (["raise_invoice", "abc"], "is not a pledge id"),
        (["create_api_token", "nobody"], "No user called 'nobody'."),
        (["restore", "/no/such/backup.json.gz", "--yes"], "No backup file at"),
    ],
)
def test_commands_on_an_empty_database_or_wrong_arguments_say_so(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command(*args)


def test_export_to_a_directory_says_so(db, tmp_path):
    with pytest.raises(CommandError, match="Is a directory"):
        call_command("export_csv", "contacts", "-o", str(tmp_path))


def test_restore_of_a_file_that_is_not_a_backup(db, tmp_path):
    empty = tmp_path / "empty.json.gz"
    empty.write_bytes(gzip.compress(b""))
    with pytest.raises(CommandError, match="does not hold valid backup JSON"):
        call_command("restore", str(empty), "--yes")
    text = tmp_path / "notes.json.gz"
    text.write_text("not a backup")
    with pytest.raises(CommandError, match="is not a complete gzip file"):
        call_command("restore", str(text), "--yes")


def test_commands_with_nothing_to_do_report_it(db, capsys):
    call_command("send_followup_reminders")
    call_command("retention_report")
    call_command("rebuild_activity_counts")
    call_command("clean_spreadsheet_jobs")
    call_command("seed_demo", "--if-empty")
    call_command("seed_demo")  # twice: nothing added
    out = capsys.readouterr().out
    assert "Sent 0 digests" in out and "removed=0" in out and "Demo data already present" in out


def test_manage_py_prints_one_line_not_a_traceback(tmp_path):
    """Through manage.py itself, on a fresh database: the message, no traceback."""
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "manage.py", "import_csv", "contacts", str(empty)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1] == "CommandError: The file is empty."
