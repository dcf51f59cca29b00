"""`manage.py seed_demo [--if-empty]`: the demo world and one user per role."""

from django.core.management.base import BaseCommand

from crm.models import Organisation
from demodata.demo import demo_counts, seed_demo


class Command(BaseCommand):
    help = "Create idempotent demo data for the launch event and the users organiser, committee and staff."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds organisations (used by `make run`).",
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Organisation.objects.exists():
            self.stdout.write("The database already has data; demo data not loaded.")
            return
        result = seed_demo()
        if result["created"]:
            counts = ", ".join(f"{n} {name}" for name, n in demo_counts().items())
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {counts}."))
        else:
            self.stdout.write("Demo data already present; nothing added.")
        self.stdout.write("Demo users (sign in at http://127.0.0.1:8000/accounts/login/):")
        for username, password in result["passwords"].items():
            self.stdout.write(f"  {username:<10} password: {password}")
        for line in result["notes"]:  # from the apps' demo steps, e.g. an API token shown only now
            self.stdout.write(line)
