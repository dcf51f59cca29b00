"""Seed the editable "Sponsorship invoice" template the pledge page's "Send the invoice by email"
starts from (kept if the organiser has already written one of that name)."""

from django.db import migrations

SUBJECT = "Invoice for your sponsorship of {{ event }}"
BODY = """Dear {{ first_name }},

Please find attached our invoice for {{ organisation }}'s sponsorship of {{ event }} ({{ amount }}). It quotes your purchase-order number if you gave us one; the payment terms are on the invoice.

If anything on it needs correcting, reply to this email and I will issue a corrected one.

With thanks,
{{ sender_name }}"""


def seed(apps, schema_editor):
    EmailTemplate = apps.get_model("mail", "EmailTemplate")
    EmailTemplate.objects.get_or_create(name="Sponsorship invoice", defaults={"subject": SUBJECT, "body": BODY})


def unseed(apps, schema_editor):
    EmailTemplate = apps.get_model("mail", "EmailTemplate")
    EmailTemplate.objects.filter(name="Sponsorship invoice", subject=SUBJECT, body=BODY, merges__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("mail", "0002_sponsorship_agreement_template")]
    operations = [migrations.RunPython(seed, unseed)]
