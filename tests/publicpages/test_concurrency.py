"""Two applicants for the last slot of a tier at the same moment, in real threads with their own
database connections (SQLite here; PostgreSQL via scripts/with-postgres.sh, where the tier's row lock
is what decides): one gets it, the other is told it has just sold out, and nothing is half-written."""

import threading

import pytest
from django.db import connections

from crm.models import Contact, FollowUp, Organisation
from publicpages.models import Application
from publicpages.services import ApplicationData, SoldOut, submit_application
from sponsors.models import Pledge

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(jobs):
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(i, job):
        try:
            barrier.wait(timeout=10)
            results[i] = job()
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def applicant(n, tier_id):
    return ApplicationData(
        organisation=f"Racer {n} Ltd",
        contact_name=f"Racer {n}",
        email=f"racer{n}@example.org",
        phone="",
        tier_id=tier_id,
        billing_address="",
        po_number="",
        message="",
        consent=True,
    )


@pytest.mark.parametrize("attempt", range(3))
def test_two_applicants_for_the_last_slot_one_gets_it(page, tiers, attempt, no_portal):
    headline = tiers["Headline"]  # one slot
    results = run_together([lambda n=n: submit_application(page, applicant(n, headline.pk)) for n in (1, 2)])
    won = [r for r in results if isinstance(r, Application)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], SoldOut), repr(lost[0])
    assert lost[0].message_dict["tier"] == ["Sorry, the Headline package has just sold out. Please choose another."]
    assert Pledge.objects.filter(tier=headline).count() == 1
    # The loser left nothing behind: one organisation, contact, follow-up and application in all.
    assert (Organisation.objects.count(), Contact.objects.count(), FollowUp.objects.count()) == (1, 1, 1)
    assert Application.objects.count() == 1


def test_applicants_for_a_tier_with_room_all_get_in(page, tiers, no_portal):
    gold = tiers["Gold"]  # three slots
    results = run_together([lambda n=n: submit_application(page, applicant(n, gold.pk)) for n in range(4)])
    assert sum(isinstance(r, Application) for r in results) == 3
    assert sum(isinstance(r, SoldOut) for r in results) == 1, results
    assert Pledge.objects.filter(tier=gold).count() == 3
