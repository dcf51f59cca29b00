"""Recount the activity board's interactions per day (PostgreSQL), e.g. after TIME_ZONE changed."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.utils import timezone

from dashboards import interaction_days


class Command(BaseCommand):
    help = (
        "Count every interaction again by local day in the current TIME_ZONE. The activity board reads "
        "these counts on PostgreSQL only while they were counted in the current time zone."
    )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("This database keeps no counts per day (only PostgreSQL does); nothing to do.")
            return
        zone = timezone.get_current_timezone_name()
        try:
            rows = interaction_days.rebuild(zone)
        except DatabaseError as error:
            raise CommandError(f"Could not recount the interactions: {error}") from None
        self.stdout.write(
            self.style.SUCCESS(f"Counted the interactions by day in {zone}: {rows} row{'' if rows == 1 else 's'}.")
        )
