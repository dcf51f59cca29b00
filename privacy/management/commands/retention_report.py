"""List contacts untouched for N months, as CSV, for a retention review."""

import csv

from django.core.management.base import BaseCommand

from privacy.selectors import retention_cutoff, retention_months, stale_contacts


class Command(BaseCommand):
    help = (
        "Contacts with no edit, interaction, follow-up or favour for --months (default "
        "settings.CRM_RETENTION_MONTHS, 24). Prints the count, then CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=None, help="Period in months (1–600).")

    def handle(self, *args, **options):
        months = retention_months(options["months"])
        rows = stale_contacts(months)
        count = rows.count()
        self.stdout.write(
            f"{count} contact{'s' if count != 1 else ''} untouched for {months} months "
            f"(since {retention_cutoff(months):%Y-%m-%d})."
        )
        writer = csv.writer(self.stdout)
        writer.writerow(["id", "name", "email", "organisation", "last_activity", "lawful_basis", "do_not_contact"])
        for contact in rows.iterator(chunk_size=2000):
            writer.writerow(
                [
                    contact.pk,
                    contact.full_name,
                    contact.email,
                    contact.organisation.name if contact.organisation else "",
                    contact.last_activity.date().isoformat(),
                    contact.get_lawful_basis_display(),
                    "yes" if contact.do_not_contact else "no",
                ]
            )
