"""Invite a pledge's contact to the sponsor portal; prints the link alone on its last line."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.services import invite
from sponsors.models import Pledge


class Command(BaseCommand):
    help = "Email the pledge's contact a personal link to the sponsor portal and print the link (last line)."

    def add_arguments(self, parser):
        parser.add_argument("pledge_id", type=int)
        parser.add_argument("--email", help="Send to this address (a contact in the CRM) instead of the first contact.")

    def handle(self, *args, pledge_id, email=None, **options):
        pledge = Pledge.objects.select_related("organisation", "event").filter(pk=pledge_id).first()
        if pledge is None:
            raise CommandError(f"There is no pledge {pledge_id}.")
        try:
            url = invite(pledge, email=email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Invited {pledge.organisation} to the sponsor portal for {pledge.event}.")
        self.stdout.write(url)
