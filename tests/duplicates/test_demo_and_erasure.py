"""The demo's duplicates, and erasure: an erased person's values do not live on in a merge."""

import pytest
from django.core.management import call_command

from crm.models import Contact
from duplicates import services
from duplicates.models import CandidatePair, Merge
from privacy.services import erase_contact

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_realistic_duplicates_and_finds_them(db):
    call_command("seed_demo")
    contacts = {
        frozenset(
            (p.contact_a.salutation + " " + p.contact_a.full_name, p.contact_b.salutation + " " + p.contact_b.full_name)
        )
        for p in CandidatePair.objects.filter(target="contacts").select_related("contact_a", "contact_b")
    }
    assert frozenset((" Priya Shah", "Dr Priya Shah")) in contacts
    organisations = {
        frozenset((p.organisation_a.name, p.organisation_b.name))
        for p in CandidatePair.objects.filter(target="organisations").select_related("organisation_a", "organisation_b")
    }
    assert frozenset(("Leeds City Council", "Leeds CC")) in organisations
    assert frozenset(("Leeds City Council", "Leeds City Council (Digital)")) in organisations


@pytest.mark.parametrize("erased", ["kept", "merged"])
def test_erasing_a_person_forgets_the_merges_that_kept_their_details(pair, organiser, erased):
    kept, merged = pair
    merge = services.merge_records("contacts", kept.pk, [merged.pk], user=organiser)
    other = services.merge_records(
        "contacts",
        Contact.objects.create(first_name="A", email="a@x.org").pk,
        [Contact.objects.create(first_name="B", email="b@x.org").pk],
        user=organiser,
    )
    if erased == "merged":
        services.undo_merge(merge, user=organiser)
    erase_contact(Contact.objects.get(pk=kept.pk if erased == "kept" else merged.pk), user=organiser)
    assert list(Merge.objects.all()) == [other]
