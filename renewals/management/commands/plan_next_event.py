"""`manage.py plan_next_event EVENT_ID --name NAME --date YYYY-MM-DD`: the event after EVENT_ID,
its tiers copied and last time's sponsors carried forward at Prospect with a follow-up each
(renewals.services.plan_next_event, as the web page does). Prints the new event's id alone on
its last line."""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.models import Event
from renewals.selectors import carry_forward
from renewals.services import plan_next_event


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date: write it as YYYY-MM-DD, e.g. 2027-10-14.") from None


def _money(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise CommandError(f"“{value}” is not an amount of money.") from None


class Command(BaseCommand):
    help = (
        "Plan the event after EVENT_ID: copy its tiers, and give each organisation that pledged (verbal or "
        "firmer) or gave in kind a pledge at Prospect and a follow-up to ask. Prints the new event's id last."
    )

    def add_arguments(self, parser):
        parser.add_argument("event_id", type=int, help="The event to carry the sponsors forward from.")
        parser.add_argument("--name", required=True, help="The new event's name (not already taken).")
        parser.add_argument("--date", required=True, help="The new event's date, YYYY-MM-DD, in the future.")
        parser.add_argument("--venue", help="Default: the last event's venue.")
        parser.add_argument("--capacity", type=int, help="Tickets. Default: the last event's capacity.")
        parser.add_argument("--sponsorship-target", help="GBP. Default: the last event's target.")
        parser.add_argument("--in-kind-target", help="GBP. Default: the last event's target.")
        parser.add_argument(
            "--include-lapsed",
            action="append",
            type=int,
            default=[],
            metavar="ORGANISATION_ID",
            help="Also ask this organisation, which declined or withdrew last time (repeatable).",
        )
        parser.add_argument("--user", help="Username recorded as having planned it (and owner of unowned asks).")

    def handle(self, *args, **options):
        event = Event.objects.filter(pk=options["event_id"]).first()
        if event is None:
            raise CommandError(f"No event has id {options['event_id']}.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user is called “{options['user']}”.")
        kwargs = {}
        for name in ("sponsorship_target", "in_kind_target"):
            if options[name] is not None:
                kwargs[name] = _money(options[name])
        plan = carry_forward(event)
        try:
            new_event = plan_next_event(
                event,
                name=options["name"],
                date=_date(options["date"]),
                venue=options["venue"],
                capacity=options["capacity"],
                include_lapsed_ids=options["include_lapsed"],
                user=user,
                **kwargs,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        chosen = len(set(options["include_lapsed"]))
        self.stdout.write(
            f"Planned {new_event.name} ({new_event.date:%-d %B %Y}): {len(plan.carried) + chosen} sponsors asked again, "
            f"{new_event.tiers.count()} tiers copied; {len(plan.lapsed) - chosen} who declined or withdrew not added."
        )
        self.stdout.write(str(new_event.pk))
