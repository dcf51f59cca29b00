"""Two sponsors taking the event's last seat at the same moment, in real threads with their own
database connections (SQLite here; PostgreSQL via scripts/with-postgres.sh): one succeeds, the
other is told the event is full, and nothing is half-written."""

import pytest
from django.core.exceptions import ValidationError

from portal import services
from portal.models import Guest, SignedAgreement
from sponsors.models import TicketAllocation
from sponsors.services import allocate_tickets, create_pledge
from tests.crm import factories
from tests.invoicing.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_last_seat_taken_by_two_sponsors_at_once_goes_to_one(event, tier):
    tier.ticket_allocation = 1
    tier.save()
    event.capacity = 3
    event.save()
    filler = create_pledge(organisation=factories.organisation(), event=event, amount=1, stage="verbal")
    allocate_tickets(filler, allocated=2)  # one seat left
    links = []
    for name in ("North Ltd", "South Ltd"):
        org = factories.organisation(name=name)
        pledge = create_pledge(organisation=org, event=event, tier=tier, stage="verbal")
        links.append(services.create_link(pledge)[0])
    results = run_together(
        [
            lambda link=link: services.save_guests(link, [{"name": "G", "email": f"g{link.pk}@x.example"}])
            for link in links
        ]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], ValidationError) and "is full" in " ".join(errors[0].messages)
    assert Guest.objects.count() == 1
    assert sum(TicketAllocation.objects.filter(pledge__event=event).values_list("allocated", flat=True)) == 3


def test_a_double_submission_of_the_acceptance_signs_once(pledge, link):
    results = run_together(
        [lambda: services.sign(link, name="Ada Lovelace", title="Director", authorised=True) for _ in range(2)]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and "already been signed" in errors[0].messages[0], results
    assert SignedAgreement.objects.count() == 1
    pledge.refresh_from_db()
    assert pledge.stage_changes.filter(to_stage="confirmed").count() == 1
