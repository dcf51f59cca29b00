"""Delete old background export files (the job rows stay); also done whenever a new job starts."""

from django.core.management.base import BaseCommand

from spreadsheets.services import clean_old_job_files


class Command(BaseCommand):
    help = "Delete background export files older than SPREADSHEET_JOB_FILES_DAYS (or --days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=float, default=None, help="Age in days (default: the setting).")

    def handle(self, *args, days=None, **options):
        removed = clean_old_job_files(days)
        self.stdout.write(f"removed={removed}")
