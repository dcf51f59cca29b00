"""`python manage.py raise_invoice PLEDGE_ID [--po NUMBER] [--user USERNAME]`: the new invoice's
number alone on the last line; a clear message and a non-zero exit when it is refused."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from invoicing import services


class Command(BaseCommand):
    help = "Raise the invoice for a confirmed pledge and print its number."

    def add_arguments(self, parser):
        parser.add_argument("pledge_id", help="The pledge's id (see its page's address).")
        parser.add_argument("--po", default="", help="The buyer's purchase-order number.")
        parser.add_argument("--user", default=None, help="Who raised it (a username), for the history.")

    def handle(self, *args, pledge_id, po, user, **options):
        if not pledge_id.strip().isdigit():
            raise CommandError(f"“{pledge_id}” is not a pledge id: give the number from the pledge's address.")
        who = None
        if user:
            who = get_user_model().objects.filter(username=user).first()
            if who is None:
                raise CommandError(f"There is no user “{user}”.")
        try:
            invoice = services.raise_invoice(int(pledge_id), po=po, user=who)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Raised £{invoice.gross_total:,.2f} for {invoice.billing_name}, due {invoice.due_date}.")
        self.stdout.write(invoice.number)
