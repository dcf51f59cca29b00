"""manage.py import_csv TARGET FILE: the same read → map → dry run → commit path as the web wizard."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from spreadsheets.importing import (
    MODES,
    TARGETS,
    ImportRejected,
    commit_import,
    look_alikes,
    parse_map_options,
    plan_import,
    read_table,
)


class Command(BaseCommand):
    help = "Import contacts, organisations, pledges or interactions from a CSV/TSV/XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("target", choices=TARGETS)
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; write nothing.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help='Override the automatic mapping, e.g. --map "Surname=last_name" (empty field ignores).',
        )
        parser.add_argument("--user", help="Username recorded on the import batch.")
        parser.add_argument("--mode", choices=MODES, default="create_update")
        parser.add_argument("--overwrite-blank", action="store_true", help="Let blank cells clear stored values.")
        parser.add_argument(
            "--allow-errors", action="store_true", help="Commit the valid rows even when some rows have errors."
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user called “{options['user']}”.") from None
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            table = read_table(data, path.name)
            mapping = parse_map_options(options["map"], table.headers, options["target"], table.rows)
            plan = plan_import(
                options["target"], table, mapping, mode=options["mode"], overwrite_blank=options["overwrite_blank"]
            )
        except ImportRejected as exc:
            raise CommandError(str(exc)) from None
        for error in plan.errors:
            self.stderr.write(f"line {error['line']}, column {error['column']}: {error['reason']}")
        for note in plan.skipped:
            self.stderr.write(f"line {note['line']}: skipped: {note['reason']}")
        if options["dry_run"]:
            for found in look_alikes(plan):
                names = "; ".join(f"{m.label} (#{m.pk}: {', '.join(m.reasons).lower()})" for m in found["matches"])
                self.stderr.write(f"line {found['line']}: looks like {names}")
        self.stdout.write(plan.summary)
        if plan.has_errors and not options["allow_errors"]:
            raise CommandError(
                f"{plan.counts['errors']} row(s) have errors; nothing was written "
                "(fix them, or use --allow-errors to import the valid rows)."
            )
        if options["dry_run"]:
            return
        batch = commit_import(plan, user=user, file_name=path.name)
        self.stderr.write(f"Recorded as import #{batch.pk} (undo with: manage.py undo_import {batch.pk}).")
