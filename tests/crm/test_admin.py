"""The Django admin: every page a superuser needs opens, and the organisation page shows its records."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from crm.models import Contact, Event, Organisation
from partners.models import Favour
from sponsors.models import InKindContribution, PledgeStageChange
from sponsors.services import create_pledge

APPS = {"crm", "sponsors", "partners", "dashboards", "spreadsheets", "privacy", "demodata", "quicklog"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "correct-horse-battery")


@pytest.fixture
def admin_client_(client, superuser):
    client.force_login(superuser)
    return client


def registered_models():
    return sorted(
        ((model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label in APPS),
        key=lambda pair: pair[0]._meta.label,
    )


def test_every_model_of_the_project_is_registered():
    labels = {model._meta.label for model, _ in registered_models()}
    assert labels == {
        "crm.Tag",
        "crm.Organisation",
        "crm.Contact",
        "crm.Event",
        "crm.Interaction",
        "crm.FollowUp",
        "crm.ImportBatch",
        "crm.ImportMapping",
        "dashboards.SavedView",
        "crm.CalendarFeed",
        "crm.ReminderDigest",
        "sponsors.SponsorshipTier",
        "sponsors.Pledge",
        "sponsors.PledgeStageChange",
        "sponsors.InKindContribution",
        "sponsors.BenefitDelivery",
        "partners.PartnerProfile",
        "partners.Favour",
    }


def test_superuser_can_open_every_changelist_and_add_page(admin_client_, superuser, rf):
    request = rf.get("/admin/")
    request.user = superuser
    opened_add = 0
    for model, model_admin in registered_models():
        info = (model._meta.app_label, model._meta.model_name)
        response = admin_client_.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, model._meta.label
        if model_admin.has_add_permission(request):
            response = admin_client_.get(reverse("admin:{}_{}_add".format(*info)))
            assert response.status_code == 200, model._meta.label
            opened_add += 1
    assert opened_add > 10


def test_organisation_change_page_shows_its_contacts_pledges_in_kind_and_favours(admin_client_):
    org = Organisation.objects.create(name="Northgate Digital", is_sponsor=True)
    event = Event.objects.create(name="Launch 2026")
    Contact.objects.create(first_name="Priya", last_name="Shah", email="priya@northgate.example", organisation=org)
    create_pledge(organisation=org, event=event, amount=Decimal("1000"), stage="prospect")
    InKindContribution.objects.create(
        organisation=org,
        event=event,
        category="venue",
        description="Main hall for the evening",
    )
    Favour.objects.create(organisation=org, direction="we_asked", description="Intro to the council")

    response = admin_client_.get(reverse("admin:crm_organisation_change", args=[org.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    for text in ["Priya", "priya@northgate.example", "1000", "Main hall for the evening", "Intro to the council"]:
        assert text in page, text


def test_organisation_changelist_search_finds_by_name(admin_client_):
    Organisation.objects.create(name="Northgate Digital", is_sponsor=True, is_supplier=True)
    Organisation.objects.create(name="Harbour Catering")

    response = admin_client_.get(reverse("admin:crm_organisation_changelist"), {"q": "northgate"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Northgate Digital" in page
    assert "Harbour Catering" not in page
    assert "Sponsor, Supplier" in page


def test_organisation_changelist_does_not_query_per_row(admin_client_, django_assert_max_num_queries):
    for i in range(3):
        Organisation.objects.create(name=f"Org {i}", is_sponsor=True)
    url = reverse("admin:crm_organisation_changelist")
    admin_client_.get(url)
    with django_assert_max_num_queries(20) as few:
        admin_client_.get(url)
    for i in range(3, 13):
        Organisation.objects.create(name=f"Org {i}", is_public_body=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client_.get(url)


def test_adding_a_pledge_in_the_admin_records_its_first_stage_and_stage_is_then_read_only(
    admin_client_,
    superuser,
):
    org = Organisation.objects.create(name="Northgate Digital")
    event = Event.objects.create(name="Launch 2026")
    response = admin_client_.post(
        reverse("admin:sponsors_pledge_add"),
        {
            "organisation": org.pk,
            "event": event.pk,
            "amount": "2500",
            "stage": "verbal",
            "benefits-TOTAL_FORMS": "0",
            "benefits-INITIAL_FORMS": "0",
            "stage_changes-TOTAL_FORMS": "0",
            "stage_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = PledgeStageChange.objects.get()
    assert (change.from_stage, change.to_stage, change.changed_by) == ("", "verbal", superuser)
    # Created as a verbal pledge: it counts as pledged from that moment on the dashboards.
    assert (change.pledge.pledged_at, change.pledge.paid_at) == (change.changed_at, None)

    page = admin_client_.get(reverse("admin:sponsors_pledge_change", args=[change.pledge_id])).content.decode()
    assert 'name="stage"' not in page
