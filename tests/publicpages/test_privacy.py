"""What the public form keeps about a person answers subject access and goes with an erasure."""

from django.test import Client

from crm.models import Contact
from privacy.selectors import subject_access
from privacy.services import erase_contact
from publicpages.models import Application


def test_an_application_is_in_the_subject_access_export_and_erased_with_the_person(
    page, form_data, organiser, no_portal
):
    Client().post("/sponsor/launch-2027/", form_data())
    contact = Contact.objects.get()
    rows = subject_access(contact.pk)["sponsor_applications"]
    assert rows[0]["event"] == "Launch 2027" and rows[0]["submitted"]["email"] == "Ada@Acme.example"  # as typed
    assert rows[0]["consent_at"]

    erase_contact(contact, user=organiser, reason="Asked")
    application = Application.objects.get()
    assert application.submitted == {"erased": True} and application.contact is None and application.ip_hash == ""
    assert application.pledge is not None  # the organisation's pledge stays
