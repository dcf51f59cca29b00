"""python manage.py import_email PATH... : file saved messages (.eml, .msg, mbox; folders too)."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from mail.services import import_paths


class Command(BaseCommand):
    help = "File saved email messages (.eml, Outlook .msg, mbox files, or folders of them)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--user", help="Username recorded as the one who logged the emails.")

    def handle(self, **options):
        paths = options["paths"]
        user = None
        if options.get("user"):
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        result = import_paths(paths, user=user)
        for problem in result.problems:
            self.stderr.write(problem)
        self.stdout.write(result.summary)
        if result.unreadable:
            sys.exit(1)
