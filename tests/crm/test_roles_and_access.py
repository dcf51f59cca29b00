"""Each role against a representative read page and write page."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from crm.models import Organisation
from crm.registry import role_rules
from crm.roles import COMMITTEE, ORGANISER, STAFF
from tests.conftest import PASSWORD

READ_PAGES = [
    "crm:organisation_list",
    "dashboards:dashboard",
    "crm:contact_list",
    "crm:followup_list",
    "sponsors:pledge_list",
    "sponsors:inkind_list",
    "partners:partner_list",
]


def test_groups_exist_with_the_designed_permissions(db):
    def codes(role):
        return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))

    committee, staff, organiser = codes(COMMITTEE), codes(STAFF), codes(ORGANISER)
    personal = set().union(*(rules.personal for rules in role_rules().values()))  # each app's own (registry)
    assert {"savedview", "calendarfeed"} <= personal
    assert committee and all(code.startswith("view_") or code.split("_", 1)[1] in personal for code in committee)
    assert {"add_contact", "change_organisation", "add_interaction", "add_importbatch"} <= staff
    assert "change_pledge" not in staff and "view_pledge" in staff
    assert {"add_pledge", "change_pledge", "add_favour", "delete_followup"} <= organiser
    assert "change_historicalpledge" not in organiser


@pytest.mark.parametrize("url_name", [*READ_PAGES, "crm:organisation_create"])
def test_anonymous_users_are_sent_to_login(client, db, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_login_page_is_public_and_in_the_apps_look(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sponsorship CRM" in response.content and b"bootstrap.min.css" in response.content


@pytest.mark.parametrize("role_user", [ORGANISER, COMMITTEE, STAFF], indirect=True)
@pytest.mark.parametrize("url_name", READ_PAGES)
def test_every_role_reads_the_main_pages(client, role_user, url_name):
    client.force_login(role_user)
    assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize("role_user", [None], indirect=True)
def test_a_user_without_a_role_is_refused(client, role_user):
    client.force_login(role_user)
    assert client.get(reverse("crm:organisation_list")).status_code == 403


@pytest.mark.parametrize(
    "role_user, expected",
    [(ORGANISER, 200), (STAFF, 200), (COMMITTEE, 403)],
    indirect=["role_user"],
)
def test_create_organisation_page_by_role(client, role_user, expected):
    client.force_login(role_user)
    assert client.get(reverse("crm:organisation_create")).status_code == expected


@pytest.mark.parametrize(
    "role_user, expected",
    [(ORGANISER, 302), (STAFF, 302), (COMMITTEE, 403)],
    indirect=["role_user"],
)
def test_posting_an_organisation_by_role(client, role_user, expected):
    client.force_login(role_user)
    response = client.post(reverse("crm:organisation_create"), {"name": "Acme Ltd", "roles": ["sponsor"]})
    assert response.status_code == expected
    assert Organisation.objects.filter(name="Acme Ltd").exists() == (expected == 302)


def test_committee_cannot_edit_an_organisation(client, committee):
    org = Organisation.objects.create(name="Acme")
    client.force_login(committee)
    url = reverse("crm:organisation_update", args=[org.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Changed"}).status_code == 403
    org.refresh_from_db()
    assert org.name == "Acme"


def test_duplicate_organisation_is_refused_with_a_clear_message(client, organiser):
    Organisation.objects.create(name="Smith & Jones Ltd")
    client.force_login(organiser)
    response = client.post(reverse("crm:organisation_create"), {"name": "smith and jones"})
    assert response.status_code == 200
    assert "same organisation as “Smith &amp; Jones Ltd”" in response.content.decode()
    assert Organisation.objects.count() == 1


def test_saving_an_organisation_shows_a_success_message(client, organiser):
    client.force_login(organiser)
    response = client.post(
        reverse("crm:organisation_create"),
        {"name": "Northgate Digital", "roles": ["sponsor", "supplier"]},
        follow=True,
    )
    assert "Saved Northgate Digital." in response.content.decode()
    org = Organisation.objects.get()
    assert org.roles == ["sponsor", "supplier"]


def test_login_with_the_form_then_logout(client, organiser):
    response = client.post(reverse("login"), {"username": "org", "password": PASSWORD}, follow=True)
    assert response.status_code == 200 and response.context["user"] == organiser
    client.post(reverse("logout"))
    assert client.get(reverse("crm:organisation_list")).status_code == 302


def test_navigation_shows_what_the_role_may_use(client, committee, staff):
    client.force_login(committee)
    page = client.get(reverse("crm:organisation_list")).content.decode()
    assert "Committee" in page and "Imports" not in page and "New organisation" not in page
    client.force_login(staff)
    page = client.get(reverse("crm:organisation_list")).content.decode()
    assert "Imports" in page and "New organisation" in page
