"""python manage.py fetch_mail [--watch] : file new mail from the IMAP mailbox (MAIL_IMAP_URL)."""

import sys
from time import sleep

from django.conf import settings
from django.core.management.base import BaseCommand

from mail.imap import MailboxUnavailable, fetch_with_retry


class Command(BaseCommand):
    help = "Read new messages from the mailbox in MAIL_IMAP_URL, file them, move them to the processed folder."

    def add_arguments(self, parser):
        parser.add_argument("--watch", action="store_true", help="Keep polling (every MAIL_FETCH_INTERVAL seconds).")
        parser.add_argument("--url", default=None, help="Overrides MAIL_IMAP_URL.")
        parser.add_argument("--processed-folder", default=None, help="Overrides MAIL_IMAP_PROCESSED_FOLDER.")
        parser.add_argument("--attempts", type=int, default=4, help="Tries while the server is down (backoff).")
        parser.add_argument("--retry-delay", type=float, default=2.0, help="First wait between tries, seconds.")

    def handle(self, **options):
        url = options["url"] or settings.MAIL_IMAP_URL
        folder = options["processed_folder"] or settings.MAIL_IMAP_PROCESSED_FOLDER
        while True:
            code = self._once(url, folder, options)
            if not options["watch"]:
                if code:
                    sys.exit(code)
                return
            sleep(settings.MAIL_FETCH_INTERVAL)

    def _once(self, url, folder, options) -> int:
        try:
            result = fetch_with_retry(
                url, folder, attempts=max(1, options["attempts"]), base_delay=options["retry_delay"]
            )
        except MailboxUnavailable as error:
            self.stderr.write(f"Mailbox unavailable: {error}. Nothing was lost; the next run tries again.")
            self.stdout.write("logged=0 duplicates=0 unmatched=0 errors=1")
            return 2
        for problem in result.problems:
            self.stderr.write(problem)
        self.stdout.write(result.summary)
        return 1 if result.unreadable else 0
