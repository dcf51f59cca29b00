"""Seed the editable "Sponsorship agreement" template the pledge page's "Send the agreement by
email" starts from (kept if the organiser has already written one of that name)."""

from django.db import migrations

SUBJECT = "Sponsorship agreement: {{ event }}"
BODY = """Dear {{ first_name }},

Thank you for sponsoring {{ event }}. Attached is the sponsorship agreement between {{ organisation }} and the network for your sponsorship of {{ amount }}.

Please check the details, sign it and send a copy back to me. If your organisation needs a purchase-order number on the invoice, let me know it and I will quote it.

With thanks,
{{ sender_name }}"""


def seed(apps, schema_editor):
    EmailTemplate = apps.get_model("mail", "EmailTemplate")
    EmailTemplate.objects.get_or_create(name="Sponsorship agreement", defaults={"subject": SUBJECT, "body": BODY})


def unseed(apps, schema_editor):
    EmailTemplate = apps.get_model("mail", "EmailTemplate")
    EmailTemplate.objects.filter(name="Sponsorship agreement", subject=SUBJECT, body=BODY, merges__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("mail", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
