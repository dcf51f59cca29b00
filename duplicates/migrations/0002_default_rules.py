"""The default rules and weights (threshold 60), so every page and command starts from them."""

from django.db import migrations

DEFAULTS = {
    "contacts": {
        "email": 100,
        "email_plus": 90,
        "email_gmail": 90,
        "phone": 40,
        "name_org": 80,
        "similar_name_org": 60,
        "similar_name_domain": 30,
    },
    "organisations": {"org_name": 80, "org_similar_name": 60, "org_website": 50, "org_email_domain": 40},
}


def seed(apps, schema_editor):
    RuleSet = apps.get_model("duplicates", "RuleSet")
    Rule = apps.get_model("duplicates", "Rule")
    for target, rules in DEFAULTS.items():
        ruleset, _ = RuleSet.objects.get_or_create(target=target, defaults={"threshold": 60})
        for kind, weight in rules.items():
            Rule.objects.get_or_create(ruleset=ruleset, kind=kind, defaults={"weight": weight})


class Migration(migrations.Migration):
    dependencies = [("duplicates", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
