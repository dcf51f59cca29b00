"""“This looks like X” where duplicates are made: the new-contact and new-organisation forms, email
triage's "create contact" and the import's dry run (the web preview and import_csv --dry-run)."""

import io
import tempfile

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, Organisation
from mail.models import EmailMessage
from tests.crm import factories

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_new_contact_form_warns_then_saves_when_told(council, staff):
    existing = Contact.objects.create(
        first_name="Priya", last_name="Shah", email="priya@leeds.example.org", organisation=council
    )
    client = client_for(staff)
    data = {
        "first_name": "Priya",
        "last_name": "Shah",
        "salutation": "Dr",
        "email": "priya.shah.home@gmail.com",
        "organisation": council.pk,
        "lawful_basis": "legitimate_interests",
    }
    response = client.post(reverse("crm:contact_create"), data)
    html = response.content.decode()
    assert response.status_code == 200 and Contact.objects.count() == 1
    assert "This looks like" in html and existing.get_absolute_url() in html
    assert "same name in the same organisation" in html
    assert 'type="checkbox" name="save_anyway"' in html
    response = client.post(reverse("crm:contact_create"), {**data, "save_anyway": "on"})
    assert response.status_code == 302 and Contact.objects.count() == 2


def test_a_different_person_is_saved_without_a_warning(council, staff):
    Contact.objects.create(first_name="Priya", last_name="Shah", email="priya@leeds.example.org", organisation=council)
    data = {"first_name": "Tess", "last_name": "Nowak", "organisation": council.pk, "lawful_basis": "consent"}
    assert client_for(staff).post(reverse("crm:contact_create"), data).status_code == 302


def test_editing_a_contact_never_warns(council, staff):
    a = Contact.objects.create(first_name="Priya", last_name="Shah", email="p1@x.org", organisation=council)
    Contact.objects.create(first_name="Priya", last_name="Shah", email="p2@x.org", organisation=council)
    data = {
        "first_name": "Priya",
        "last_name": "Shah",
        "email": "p1@x.org",
        "organisation": council.pk,
        "lawful_basis": "consent",
    }
    assert client_for(staff).post(reverse("crm:contact_update", args=[a.pk]), data).status_code == 302


def test_the_new_organisation_form_warns_about_leeds_cc(council, staff):
    response = client_for(staff).post(reverse("crm:organisation_create"), {"name": "Leeds CC"})
    html = response.content.decode()
    assert response.status_code == 200 and Organisation.objects.count() == 1
    assert "Leeds City Council" in html and council.get_absolute_url() in html


def test_email_triage_says_who_the_sender_looks_like(council, staff):
    existing = Contact.objects.create(
        first_name="Jon", last_name="Barker", email="jon.barker@leeds.example.org", organisation=council
    )
    message = EmailMessage.objects.create(
        message_id="<t@x>",
        from_name="Jon Barker",
        from_address="jon.barker+events@leeds.example.org",
        subject="Stand",
        sent_at=timezone.now(),
        status="unmatched",
    )
    html = client_for(staff).get(message.get_absolute_url()).content.decode()
    assert 'data-testid="possible-duplicates"' in html and existing.get_absolute_url() in html


def test_the_import_dry_run_says_which_rows_look_like_records(council, staff):
    Contact.objects.create(first_name="Priya", last_name="Shah", email="priya@leeds.example.org", organisation=council)
    factories.organisation(name="Acme")
    csv = "First name,Last name,Email,Organisation\nPriya,Shah,priya.shah@gmail.com,Leeds City Council\nTess,Nowak,t@x.org,Acme\n"
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
        handle.write(csv)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_csv", "contacts", handle.name, "--dry-run", stdout=out, stderr=err)
    assert out.getvalue().strip().splitlines()[-1] == "new=2 updated=0 unchanged=0 skipped=0 errors=0"
    assert "line 2: looks like Priya Shah <priya@leeds.example.org>" in err.getvalue()
    assert "line 3" not in err.getvalue()
    assert Contact.objects.count() == 1


def test_the_import_preview_lists_the_look_alikes(council, client, staff):
    from tests.spreadsheets.test_import_wizard import mapping_post, token_of, upload

    existing = Contact.objects.create(first_name="Grace", last_name="Hopper", email="grace.h@example.org")
    Contact.objects.filter(pk=existing.pk).update(email="grace@example.org")
    client.force_login(staff)
    data = b"First Name,Last Name,E-mail Address\r\nGrace,Hopper,grace+news@example.org\r\n"
    token = token_of(upload(client, data=data))
    mapping_post(client, token)
    html = client.get(reverse("spreadsheets:import_preview", args=[token])).content.decode()
    assert 'data-testid="look-alikes"' in html and "Line 2 looks like" in html
    assert existing.get_absolute_url() in html
