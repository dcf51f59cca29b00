"""python manage.py find_duplicates contacts|organisations [--min-score N]

Runs the rules, stores the candidate pairs (as the "Find now" button does) and prints one line
per pair, best first, then `pairs=N` alone on the last line.
"""

from django.core.management.base import BaseCommand, CommandError

from crm.models import Contact, Organisation
from duplicates import services
from duplicates.models import Target


def _describe(obj) -> str:
    if isinstance(obj, Contact):
        parts = [f"{obj.salutation} {obj.full_name}".strip() or "(no name)"]
        parts += [p for p in (obj.email, obj.phone) if p]
        return " / ".join(parts)
    return " / ".join(p for p in (obj.name, obj.website) if p)


class Command(BaseCommand):
    help = "Find likely duplicate contacts or organisations: one line per pair, then pairs=N."

    def add_arguments(self, parser):
        parser.add_argument("target", choices=Target.values)
        parser.add_argument(
            "--min-score", type=int, default=None, help="List pairs scoring at least this (default: the threshold)."
        )

    def handle(self, *args, target, min_score, **options):
        if min_score is not None and min_score < 0:
            raise CommandError("--min-score must be 0 or more.")
        result = services.find_duplicates(target, min_score=min_score)
        model = Contact if target == Target.CONTACTS else Organisation
        ids = {pk for f in result.found for pk in (f.a, f.b)}
        records = {}
        id_list = list(ids)
        for start in range(0, len(id_list), 900):
            records.update(model._default_manager.in_bulk(id_list[start : start + 900]))
        for f in result.found:
            a, b = records.get(f.a), records.get(f.b)
            self.stdout.write(
                f"score={f.score} {target} {f.a} {f.b} rules={','.join(f.rules)}"
                f"  {_describe(a) if a else '?'}  ~  {_describe(b) if b else '?'}"
            )
        self.stdout.write(f"pairs={len(result.found)}")
