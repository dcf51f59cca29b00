"""Organisation and contact pages: the timeline, history, edits and deletes by role."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, FollowUp, Interaction, Organisation
from crm.roles import COMMITTEE, ORGANISER, STAFF
from crm.selectors.timeline import organisation_timeline
from sponsors.models import InKindContribution
from sponsors.services import create_pledge, move_pledge
from tests.crm import factories


def test_timeline_merges_every_kind_newest_first(organiser):
    ev = factories.event()
    org = factories.organisation("Acme")
    now = timezone.now()
    Interaction.objects.create(organisation=org, summary="First call", occurred_at=now - datetime.timedelta(days=9))
    pledge = create_pledge(
        organisation=org, event=ev, amount=Decimal("500"), stage="prospect", changed_at=now - datetime.timedelta(days=8)
    )
    move_pledge(pledge, "verbal", user=organiser, changed_at=now - datetime.timedelta(days=3))
    item = InKindContribution.objects.create(organisation=org, event=ev, category="venue", description="Hall")
    item.status = "confirmed"
    item.save()
    done = FollowUp.objects.create(
        organisation=org,
        title="Send pack",
        due_date=timezone.localdate(),
        status="done",
        completed_at=now + datetime.timedelta(minutes=5),
    )
    FollowUp.objects.create(organisation=org, title="Still open", due_date=timezone.localdate())

    titles = [entry.title for entry in organisation_timeline(org)]
    assert titles[0] == f"Follow-up done: {done.title}"
    assert "In-kind Venue space: Hall offered → confirmed" in titles
    assert "Pledge £500 moved Prospect → Verbal pledge" in titles
    assert titles[-1] == "Call: First call"
    assert not any("Still open" in t for t in titles)
    whens = [entry.when for entry in organisation_timeline(org)]
    assert whens == sorted(whens, reverse=True)


def test_organisation_page_shows_its_records_in_constant_queries(client, organiser, django_assert_max_num_queries):
    ev = factories.event()
    org = factories.busy_organisation(ev, owner=organiser, name="Acme")
    client.force_login(organiser)
    url = reverse("crm:organisation_detail", args=[org.pk])
    with django_assert_max_num_queries(30) as few:
        page = client.get(url).content.decode()
    for text in ["Acme", "£1,000", "Room", "Chase", "We asked them: Room", "£380"]:
        assert text in page
    for _ in range(40):  # many more records of every kind on the same organisation
        person = factories.contact(org)
        Interaction.objects.create(organisation=org, contact=person, summary="Again")
        create_pledge(organisation=org, event=ev, amount=Decimal("10"), stage="prospect")
        FollowUp.objects.create(organisation=org, title="More", due_date=timezone.localdate(), status="done")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_change_history_names_who_changed_what(client, organiser):
    org = factories.organisation("Acme", city="Leeds")
    org.city = "York"
    org._history_user = organiser
    org.save()
    client.force_login(organiser)
    page = client.get(reverse("crm:organisation_detail", args=[org.pk])).content.decode()
    assert "<del>Leeds</del> → <ins>York</ins>" in page


@pytest.mark.parametrize(
    "role_user, expected", [(ORGANISER, 302), (STAFF, 302), (COMMITTEE, 403)], indirect=["role_user"]
)
def test_contact_edit_by_role(client, role_user, expected):
    person = factories.contact(first_name="Ann")
    client.force_login(role_user)
    response = client.post(
        reverse("crm:contact_update", args=[person.pk]),
        {"first_name": "Anne", "email": person.email, "lawful_basis": "consent"},
    )
    assert response.status_code == expected
    person.refresh_from_db()
    assert person.first_name == ("Anne" if expected == 302 else "Ann")


def test_contact_with_a_taken_email_gets_a_clear_message(client, organiser):
    factories.contact(email="jo@example.org")
    client.force_login(organiser)
    response = client.post(
        reverse("crm:contact_create"), {"first_name": "Jo", "email": " JO@example.org ", "lawful_basis": "consent"}
    )
    assert response.status_code == 200
    assert "Another contact already has this email." in response.content.decode()
    assert Contact.objects.count() == 1


def test_delete_asks_first_and_refuses_while_pledges_exist(client, organiser):
    ev = factories.event()
    org = factories.organisation("Acme")
    create_pledge(organisation=org, event=ev, amount=Decimal("1"), stage="prospect")
    client.force_login(organiser)
    url = reverse("crm:organisation_delete", args=[org.pk])
    assert "Delete Acme?" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert "has pledges or in-kind offers" in response.content.decode()
    assert Organisation.objects.filter(pk=org.pk).exists()
    empty = factories.organisation("Empty")
    client.post(reverse("crm:organisation_delete", args=[empty.pk]))
    assert not Organisation.objects.filter(pk=empty.pk).exists()


def test_staff_cannot_delete_what_committee_can_only_read(client, committee):
    org = factories.organisation("Acme")
    client.force_login(committee)
    assert client.post(reverse("crm:organisation_delete", args=[org.pk])).status_code == 403
    assert Organisation.objects.filter(pk=org.pk).exists()


def test_contact_delete_asks_first_and_keeps_the_organisations_favours(client, organiser):
    from partners.models import Favour

    org = factories.organisation("Acme")
    person = factories.contact(org, first_name="Ann")
    favour = Favour.objects.create(organisation=org, contact=person, direction="we_asked", description="Room")
    client.force_login(organiser)
    url = reverse("crm:contact_delete", args=[person.pk])
    assert f"Delete {person}?" in client.get(url).content.decode()
    assert Contact.objects.filter(pk=person.pk).exists()  # a GET deletes nothing
    response = client.post(url, follow=True)
    assert f"Deleted {person}." in response.content.decode()
    assert not Contact.objects.filter(pk=person.pk).exists()
    favour.refresh_from_db()
    assert favour.contact is None and favour.organisation == org


def test_editing_an_organisation_saves_roles_and_tags_together(client, organiser):
    from crm.models import Tag

    org = factories.organisation("Acme", roles=("sponsor",))
    tag = Tag.objects.create(name="caterers")
    client.force_login(organiser)
    response = client.post(
        reverse("crm:organisation_update", args=[org.pk]),
        {"name": "Acme", "roles": ["supplier", "training_provider"], "tags": [tag.pk]},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.roles == ["supplier", "training_provider"]
    assert list(org.tags.all()) == [tag]


def test_form_errors_are_summarised_and_tied_to_their_fields(client, staff):
    """A screen reader hears each error with its field (aria-describedby) and the summary first."""
    client.force_login(staff)
    response = client.post(reverse("crm:contact_create"), {"first_name": "", "email": "not-an-email"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-error-summary" in html and 'href="#id_email"' in html
    assert 'aria-invalid="true"' in html
    assert (
        'aria-describedby="id_email_errors"' in html or 'aria-describedby="id_email_helptext id_email_errors"' in html
    )
    assert 'id="id_email_errors"' in html


def test_the_timeline_shows_the_newest_hundred_and_links_to_the_rest(client, committee, django_assert_max_num_queries):
    from crm.selectors.timeline import TIMELINE_LIMIT

    org = Organisation.objects.create(name="Busy Ltd", is_sponsor=True)
    now = timezone.now()
    Interaction.objects.bulk_create(
        [
            Interaction(
                organisation=org, kind="call", occurred_at=now - datetime.timedelta(hours=i), summary=f"Call {i}"
            )
            for i in range(TIMELINE_LIMIT + 20)
        ]
    )
    client.force_login(committee)
    url = reverse("crm:organisation_detail", args=[org.pk])
    with django_assert_max_num_queries(30):
        page = client.get(url).content.decode()
    assert "Call 0<" in page and f"Call {TIMELINE_LIMIT - 1}<" in page and f"Call {TIMELINE_LIMIT}<" not in page
    assert 'data-testid="timeline-all"' in page
    everything = client.get(url, {"timeline": "all"}).content.decode()
    assert f"Call {TIMELINE_LIMIT + 19}<" in everything and 'data-testid="timeline-all"' not in everything
