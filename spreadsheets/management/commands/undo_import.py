"""manage.py undo_import BATCH_ID: delete what an import created, restore what it changed."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from crm.models import ImportBatch
from spreadsheets.importing import ImportUndoRefused, undo_import


class Command(BaseCommand):
    help = "Undo an import batch (refused when its records were edited since)."

    def add_arguments(self, parser):
        parser.add_argument("batch_id", type=int)
        parser.add_argument("--user", help="Username recorded as undoing it.")

    def handle(self, *args, **options):
        try:
            batch = ImportBatch.objects.get(pk=options["batch_id"])
        except ImportBatch.DoesNotExist:
            raise CommandError(f"No import #{options['batch_id']}.") from None
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
        try:
            result = undo_import(batch, user=user)
        except ImportUndoRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Undid import #{batch.pk}: deleted {result['deleted']}, restored {result['restored']}")
