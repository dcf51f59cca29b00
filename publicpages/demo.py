"""The demo world's public pages: the demo event gets a slug with its prospectus, application form
and sponsor wall on, and its confirmed in-kind suppliers are credited on the wall."""

import datetime

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from crm.models import Event
from publicpages.models import InKindCredit, PublicPage
from sponsors.models import InKindContribution


def run(*, today: datetime.date) -> None:
    # The launch the demo is about: the next event with tiers to sell (other steps may add past events).
    event = (
        Event.objects.filter(tiers__isnull=False, date__gte=today).order_by("date", "id").first()
        or Event.objects.order_by("id").first()
    )
    if event is None or PublicPage.objects.filter(event=event).exists():
        return
    owner = get_user_model().objects.filter(username="organiser").first()
    PublicPage.objects.create(
        event=event,
        slug=slugify(event.name)[:80] or "launch",
        prospectus_on=True,
        application_on=True,
        wall_on=True,
        invite_on_application=True,
        owner=owner,
        public_contact="The events team, via the network's office",
    )
    offers = InKindContribution.objects.filter(
        event=event, status__in=[InKindContribution.Status.CONFIRMED, InKindContribution.Status.DELIVERED]
    )
    InKindCredit.objects.bulk_create(InKindCredit(contribution=offer, credit_publicly=True) for offer in offers)
