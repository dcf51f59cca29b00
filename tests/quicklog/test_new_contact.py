"""The quick log's "new contact": a call with someone not yet in the CRM is logged with them in one
go, and when they look like someone already there (crm.registry duplicate checks) the form says
"this looks like X", with a link, and lets the organiser log it with X instead, before saving."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, Interaction, Organisation
from quicklog.services import log_quick_entry

URL = reverse("quicklog:quick_log")

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(db):
    return Organisation.objects.create(name="Leeds City Council", city="Leeds")


@pytest.fixture
def priya(council):
    return Contact.objects.create(
        first_name="Priya", last_name="Shah", email="priya.shah@leeds.example.org", organisation=council
    )


def post_data(**overrides):
    data = {
        "kind": "call",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Rang about the digital skills day",
        "direction": "outbound",
    }
    data.update(overrides)
    return data


def new_priya(council, **overrides):
    return post_data(
        organisation=council.pk, new_first_name="Priya", new_last_name="Shah", new_phone="0113 496 0044", **overrides
    )


def test_the_form_offers_a_new_contact_behind_a_disclosure(client, organiser):
    client.force_login(organiser)
    html = client.get(URL).content.decode()
    assert "Not in the CRM yet? Add them with this call" in html
    assert "<details" in html and '<details class="quicklog-new-contact' in html and " open>" not in html
    for name in ("new_first_name", "new_last_name", "new_email", "new_phone"):
        assert f'for="id_{name}"' in html
    assert 'type="tel"' in html


def test_a_call_with_someone_new_adds_them_and_logs_it_with_them(client, organiser, council):
    client.force_login(organiser)
    data = post_data(organisation=council.pk, new_first_name="Tess", new_last_name="Nowak", new_email="Tess@X.org")
    response = client.post(URL, data, follow=True)
    contact = Contact.objects.get(last_name="Nowak")
    assert (contact.organisation, contact.email, contact.source) == (council, "tess@x.org", "Quick log")
    interaction = Interaction.objects.get()
    assert (interaction.contact, interaction.organisation) == (contact, council)
    assert "with Tess Nowak, added as a new contact" in response.content.decode()


def test_someone_new_needs_no_organisation(client, organiser):
    client.force_login(organiser)
    response = client.post(URL, post_data(new_first_name="Sam", new_email="sam@freelance.example"))
    assert response.status_code == 302
    assert Interaction.objects.get().contact == Contact.objects.get(first_name="Sam")


def test_a_look_alike_is_shown_with_a_link_and_nothing_is_saved(client, organiser, council, priya):
    client.force_login(organiser)
    response = client.post(URL, new_priya(council))
    html = response.content.decode()
    assert response.status_code == 200
    assert Contact.objects.count() == 1 and not Interaction.objects.exists()
    assert "This looks like someone already in the CRM" in html
    assert priya.get_absolute_url() in html and "same name in the same organisation" in html
    assert f'name="same_as" value="{priya.pk}"' in html and 'name="same_as" value="new"' in html
    assert "None of these: add Priya Shah as a new contact" in html
    # The error summary links to the choice; the section stays open with what was typed.
    assert 'href="#same-as"' in html and 'id="same-as"' in html
    assert 'data-section="new-contact" open' in html and 'value="0113 496 0044"' in html


def test_choosing_the_look_alike_logs_the_call_with_them(client, organiser, council, priya):
    client.force_login(organiser)
    response = client.post(URL, new_priya(council, same_as=str(priya.pk)), follow=True)
    assert Contact.objects.count() == 1
    assert Interaction.objects.get().contact == priya
    assert "added as a new contact" not in response.content.decode()


def test_it_is_someone_else_adds_the_new_contact(client, organiser, council, priya):
    client.force_login(organiser)
    assert client.post(URL, new_priya(council, same_as="new")).status_code == 302
    assert Contact.objects.filter(first_name="Priya", last_name="Shah").count() == 2
    assert Interaction.objects.get().contact.phone == "0113 496 0044"


def test_a_choice_that_is_not_one_of_the_look_alikes_asks_again(client, organiser, council, priya):
    other = Contact.objects.create(first_name="Other", last_name="Person")
    client.force_login(organiser)
    response = client.post(URL, new_priya(council, same_as=str(other.pk)))
    assert response.status_code == 200 and not Interaction.objects.exists()
    assert "This looks like someone already in the CRM" in response.content.decode()


def test_the_same_email_added_anyway_is_refused_with_a_message(client, organiser, council, priya):
    client.force_login(organiser)
    data = post_data(
        organisation=council.pk, new_first_name="P", new_email="PRIYA.SHAH@leeds.example.org", same_as="new"
    )
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "A contact with this email already exists." in response.content.decode()
    assert Contact.objects.count() == 1 and not Interaction.objects.exists()


def test_a_contact_and_a_new_contact_together_are_refused(client, organiser, council, priya):
    client.force_login(organiser)
    response = client.post(URL, post_data(contact=priya.pk, new_first_name="Tess"))
    assert "Choose a contact or add a new one below, not both." in response.content.decode()
    assert Contact.objects.count() == 1 and not Interaction.objects.exists()


def test_a_new_contact_needs_a_name_or_an_email(client, organiser, council):
    client.force_login(organiser)
    response = client.post(URL, post_data(organisation=council.pk, new_phone="0113 496 0000"))
    assert "Give the new contact a name or an email." in response.content.decode()
    assert not Contact.objects.exists() and not Interaction.objects.exists()


def test_a_failing_favour_adds_no_contact_either(organiser, council):
    """The contact is saved first; a favour refused after it takes it back with everything else."""
    with pytest.raises(ValidationError) as raised:
        log_quick_entry(
            user=organiser,
            organisation=council,
            new_contact={"first_name": "Tess", "last_name": "Nowak"},
            kind="favour",
            occurred_at=timezone.now(),
            summary="Favour",
            favour={"direction": "they_offered", "description": "A room", "estimated_value": Decimal("-1")},
        )
    assert "favour_value" in raised.value.message_dict
    assert not Contact.objects.exists() and not Interaction.objects.exists()


def test_without_permission_to_add_contacts_there_is_no_new_contact(client, django_user_model, council):
    user = django_user_model.objects.create_user("logger", password="x")
    user.user_permissions.add(Permission.objects.get(codename="add_interaction"))
    client.force_login(user)
    assert "Not in the CRM yet?" not in client.get(URL).content.decode()
    response = client.post(URL, post_data(organisation=council.pk, new_first_name="Tess"))
    assert "You do not have permission to add contacts." in response.content.decode()
    assert not Contact.objects.exists() and not Interaction.objects.exists()


def test_staff_can_add_someone_new_too(client, staff, council):
    client.force_login(staff)
    assert client.post(URL, post_data(organisation=council.pk, new_first_name="Tess")).status_code == 302
    assert Interaction.objects.get().contact.first_name == "Tess"
