from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.models import Contact, Event, FollowUp, Interaction, Organisation, Tag
from crm.normalise import organisation_key


@pytest.mark.parametrize(
    "a, b",
    [
        ("Acme Ltd", "ACME Limited"),
        ("Smith & Jones", "Smith and Jones"),
        ("The Print Shop", "Print Shop Ltd."),
        ("O'Neill Catering", "ONeill catering"),
        ("  Northgate   Digital  ", "northgate digital"),
    ],
)
def test_organisation_names_that_differ_only_in_form_normalise_alike(a, b):
    assert organisation_key(a) == organisation_key(b)


def test_distinct_organisations_keep_distinct_keys():
    assert organisation_key("Acme Digital") != organisation_key("Acme Data")
    assert organisation_key("Limited Edition Prints") == "limited edition prints"


@pytest.mark.django_db
def test_database_refuses_a_second_organisation_with_the_same_normalised_name():
    Organisation.objects.create(name="Acme Ltd")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="acme limited")


@pytest.mark.django_db
def test_validation_names_the_existing_organisation():
    Organisation.objects.create(name="Smith & Jones")
    with pytest.raises(ValidationError) as excinfo:
        Organisation(name="Smith and Jones Ltd").full_clean()
    assert "Smith & Jones" in str(excinfo.value)


@pytest.mark.django_db
def test_roles_round_trip_through_booleans():
    org = Organisation(name="Venue Co")
    org.set_roles(["supplier", "sponsor"])
    org.save()
    org.refresh_from_db()
    assert org.is_supplier and org.is_sponsor and not org.is_public_body
    assert org.role_labels == ["Sponsor", "Supplier"]


@pytest.mark.django_db
def test_contact_email_is_unique_case_insensitively():
    Contact.objects.create(first_name="Ann", email="Ann@Example.org ")
    assert Contact.objects.get().email == "ann@example.org"
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(first_name="Ann B", email="ANN@example.org")


@pytest.mark.django_db
def test_many_contacts_may_have_no_email():
    Contact.objects.create(first_name="Ann")
    Contact.objects.create(first_name="Bob")
    assert Contact.objects.filter(email="").count() == 2


@pytest.mark.django_db
def test_contact_needs_a_name_or_an_email():
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create()


@pytest.mark.django_db
def test_contact_full_clean_reports_a_duplicate_email_clearly():
    Contact.objects.create(first_name="Ann", email="ann@example.org")
    with pytest.raises(ValidationError) as excinfo:
        Contact(first_name="Other", email="ANN@example.org").full_clean()
    assert "already exists" in str(excinfo.value)


@pytest.mark.django_db
def test_event_targets_cannot_be_negative():
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(name="Launch", sponsorship_target=Decimal("-1"))


@pytest.mark.django_db
def test_interaction_needs_an_organisation_or_a_contact():
    with pytest.raises(IntegrityError), transaction.atomic():
        Interaction.objects.create(summary="Orphan call")


@pytest.mark.clock
@pytest.mark.django_db
def test_overdue_is_derived_from_due_date_and_status():
    today = timezone.localdate()
    late = FollowUp.objects.create(title="Chase", due_date=today - timezone.timedelta(days=1))
    FollowUp.objects.create(title="Today", due_date=today)
    FollowUp.objects.create(title="Done", due_date=today - timezone.timedelta(days=3), status="done")
    assert list(FollowUp.objects.overdue()) == [late]
    assert late.is_overdue


@pytest.mark.django_db
def test_tags_are_unique_case_insensitively():
    Tag.objects.create(name="NHS")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="nhs")


@pytest.mark.django_db
def test_history_records_who_changed_an_organisation(organiser):
    org = Organisation.objects.create(name="Acme")
    org._history_user = organiser
    org.city = "Leeds"
    org.save()
    latest = org.history.first()
    assert latest.city == "Leeds" and latest.history_user == organiser
    assert org.history.count() == 2
