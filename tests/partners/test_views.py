"""Favours ledger and partner list pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Organisation
from partners.models import Favour, PartnerProfile

D, S = Favour.Direction, Favour.Status


@pytest.fixture
def org(db):
    return Organisation.objects.create(name="Venue Co", is_supplier=True)


def favour(org, direction=D.THEY_OFFERED, status=S.DONE, value="100", description="Room hire"):
    return Favour.objects.create(
        organisation=org, direction=direction, status=status, description=description, estimated_value=Decimal(value)
    )


def test_owed_tab_lists_only_what_we_still_owe(client, organiser, org):
    favour(org, description="They lent chairs")
    favour(org, D.WE_OWE, S.AGREED, description="Promote their course")
    favour(org, D.WE_OWE, S.DONE, description="Shared their post")
    client.force_login(organiser)
    html = client.get(reverse("partners:favour_list"), {"show": "owed"}).content.decode()
    assert "Promote their course" in html
    assert "They lent chairs" not in html and "Shared their post" not in html
    html = client.get(reverse("partners:favour_list")).content.decode()
    assert "They lent chairs" in html and "Shared their post" in html


def test_filters_and_balance_table(client, organiser, org):
    other = Organisation.objects.create(name="Print Ltd")
    favour(org, value="1500")
    favour(org, D.WE_OWE, S.RETURNED, value="250.50")
    favour(other, D.WE_ASKED, S.ASKED, description="Posters")
    client.force_login(organiser)
    response = client.get(reverse("partners:favour_list"), {"direction": "we_asked", "q": "print"})
    assert "Posters" in response.content.decode() and "Room hire" not in response.content.decode()
    response = client.get(reverse("partners:favour_list"))
    balances = {row.name: row.favour_balance for row in response.context["balances"]}
    assert balances == {"Venue Co": Decimal("1249.50"), "Print Ltd": Decimal("0")}
    assert "£1,250" in response.content.decode()


def test_create_prefills_organisation_and_logs_user(client, organiser, org):
    client.force_login(organiser)
    url = reverse("partners:favour_create")
    assert str(client.get(url, {"organisation": org.pk}).context["form"].initial["organisation"]) == str(org.pk)
    response = client.post(
        url,
        {
            "organisation": org.pk,
            "direction": "we_owe",
            "description": "Speak at their day",
            "estimated_value": "300",
            "status": "agreed",
        },
        follow=True,
    )
    assert "Logged favour for Venue Co" in response.content.decode()
    f = Favour.objects.get()
    assert (f.logged_by, f.direction, f.estimated_value) == (organiser, "we_owe", Decimal("300"))


def test_edit_marks_returned(client, organiser, org):
    f = favour(org, D.WE_OWE, S.AGREED)
    client.force_login(organiser)
    response = client.post(
        reverse("partners:favour_update", args=[f.pk]),
        {
            "organisation": org.pk,
            "direction": "we_owe",
            "description": "Room hire",
            "estimated_value": "100",
            "status": "returned",
        },
    )
    assert response.status_code == 302
    f.refresh_from_db()
    assert f.status == "returned"


def test_negative_value_is_refused(client, organiser, org):
    client.force_login(organiser)
    response = client.post(
        reverse("partners:favour_create"),
        {"organisation": org.pk, "direction": "we_owe", "description": "x", "estimated_value": "-5", "status": "asked"},
    )
    assert response.status_code == 200 and not Favour.objects.exists()


@pytest.mark.parametrize("who", ["committee", "staff"])
def test_committee_and_staff_read_but_cannot_write(client, request, who, org):
    f = favour(org)
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("partners:favour_list")).status_code == 200
    assert client.get(reverse("partners:partner_list")).status_code == 200
    assert client.get(reverse("partners:favour_create")).status_code == 403
    assert client.post(reverse("partners:favour_create"), {"organisation": org.pk}).status_code == 403
    assert client.get(reverse("partners:favour_update", args=[f.pk])).status_code == 403
    assert client.post(reverse("partners:favour_update", args=[f.pk]), {"status": "returned"}).status_code == 403
    assert "Log a favour" not in client.get(reverse("partners:favour_list")).content.decode()


def test_partner_list_shows_profiles_balances_and_filters(client, organiser, org):
    trainer = Organisation.objects.create(name="Skills Academy", is_training_provider=True)
    Organisation.objects.create(name="Sponsor Only", is_sponsor=True)
    PartnerProfile.objects.create(organisation=org, offer_type="services", terms="discounted", status="active")
    PartnerProfile.objects.create(organisation=trainer, offer_type="courses", status="in_talks")
    favour(org, value="900")
    client.force_login(organiser)
    url = reverse("partners:partner_list")
    html = client.get(url).content.decode()
    assert "Venue Co" in html and "Skills Academy" in html and "Sponsor Only" not in html
    assert "Discounted" in html and "£900" in html
    html = client.get(url, {"role": "training_provider"}).content.decode()
    assert "Skills Academy" in html and "Venue Co" not in html
    html = client.get(url, {"offer_type": "services", "status": "active"}).content.decode()
    assert "Venue Co" in html and "Skills Academy" not in html


def test_partner_without_profile_still_listed(client, organiser):
    Organisation.objects.create(name="Bare Supplier", is_supplier=True)
    client.force_login(organiser)
    assert "Bare Supplier" in client.get(reverse("partners:partner_list")).content.decode()


@pytest.mark.parametrize("url_name", ["partners:favour_list", "partners:partner_list"])
def test_list_pages_use_constant_queries(client, organiser, django_assert_max_num_queries, url_name):
    client.force_login(organiser)
    for n in (10, 60):
        for i in range(Organisation.objects.count(), n):
            o = Organisation.objects.create(name=f"Partner {i}", is_supplier=True)
            PartnerProfile.objects.create(organisation=o, offer_type="goods")
            favour(o, D.WE_OWE, S.AGREED)
        with django_assert_max_num_queries(14):
            assert client.get(reverse(url_name)).status_code == 200
