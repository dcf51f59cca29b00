"""manage.py backup [-o FILE]: the whole database as one verifiable gzip JSON file."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from privacy.backup import write_backup


class Command(BaseCommand):
    help = (
        "Back up every table (rows, row counts and per-table SHA-256 checksums) to a gzip JSON file "
        "readable only by its owner. Restore it with `manage.py restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="File to write (default: backup-YYYYMMDD-HHMMSS.json.gz).")

    def handle(self, *args, **options):
        path = options["output"] or f"backup-{timezone.localtime():%Y%m%d-%H%M%S}.json.gz"
        if os.path.isdir(path):
            raise CommandError(f"{path} is a directory: give a file name.")
        try:
            manifest = write_backup(path)
        except OSError as exc:
            raise CommandError(f"Could not write {path}: {exc}") from None
        tables = manifest["tables"]
        self.stdout.write(f"Backed up {manifest['total_rows']} rows in {len(tables)} tables to {path}")
