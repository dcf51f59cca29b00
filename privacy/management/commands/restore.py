"""manage.py restore FILE [--yes] [--check]: put back a backup, verified table by table, or nothing."""

from django.core.management.base import BaseCommand, CommandError

from privacy.backup import BackupError, check_compatible, existing_data, load_backup, restore_document


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by `manage.py backup`. Runs in one transaction and "
        "compares every table's row count and checksum with the backup's manifest: on any mismatch nothing "
        "changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="Replace the data already in the database.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only verify the file (checksums, schema) without touching the database.",
        )

    def handle(self, *args, **options):
        path = options["file"]
        try:
            document = load_backup(path)
            check_compatible(document)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = document["manifest"]
        if options["check"]:
            self.stdout.write(
                f"{path} is intact: {manifest['total_rows']} rows in {len(manifest['tables'])} "
                f"tables, taken {manifest['created_at']}; checksums match"
            )
            return
        present = existing_data()
        if present and not options["yes"]:
            total = sum(present.values())
            raise CommandError(
                f"The database already holds {total} rows in {len(present)} tables; restoring replaces all of them "
                f"with the backup taken {manifest['created_at']}. Re-run with --yes to confirm."
            )
        try:
            state = restore_document(document)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        total = sum(t["rows"] for t in state.values())
        self.stdout.write(f"Restored {total} rows in {len(state)} tables from {path}; checksums match")
