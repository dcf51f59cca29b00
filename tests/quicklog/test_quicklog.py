"""The quick log: one form, one atomic service, and each role's limits."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, FollowUp, Interaction, Organisation
from partners.models import Favour
from quicklog.services import log_quick_entry

URL = reverse("quicklog:quick_log")


@pytest.fixture
def acme(db):
    return Organisation.objects.create(name="Acme Digital", is_sponsor=True, city="Leeds")


@pytest.fixture
def jane(acme):
    return Contact.objects.create(first_name="Jane", last_name="Smith", email="jane@acme.test", organisation=acme)


def now():
    return timezone.now().replace(microsecond=0)


def counts():
    return Interaction.objects.count(), FollowUp.objects.count(), Favour.objects.count()


def post_data(**overrides):
    data = {
        "kind": "call",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Rang about the spring event",
        "outcome": "",
        "direction": "outbound",
        "favour_direction": "we_asked",
        "favour_status": "asked",
        "favour_value": "",
    }
    data.update(overrides)
    return data


# --- the service -------------------------------------------------------------------------------------


@pytest.mark.clock
def test_service_saves_interaction_followup_and_favour_together(organiser, acme, jane):
    due = timezone.localdate() + datetime.timedelta(days=7)
    interaction = log_quick_entry(
        user=organiser,
        contact=jane,
        kind="favour",
        occurred_at=now(),
        summary="Venue for the meetup",
        followup={"due_date": due, "title": "", "assignee": None},
        favour={
            "direction": "they_offered",
            "description": "Free venue",
            "estimated_value": Decimal("450"),
            "status": "agreed",
        },
    )
    interaction.refresh_from_db()
    assert interaction.kind == Interaction.Kind.NOTE
    assert interaction.organisation == acme, "the contact's organisation is filled in"
    assert interaction.logged_by == organiser
    followup = FollowUp.objects.get()
    assert followup.title == "Follow up: Venue for the meetup"
    assert followup.assignee == organiser and followup.interaction == interaction and followup.due_date == due
    favour = Favour.objects.get()
    assert (favour.organisation, favour.contact, favour.estimated_value) == (acme, jane, Decimal("450.00"))
    assert favour.occurred_on == interaction.occurred_at.date()
    assert followup.favour == favour


@pytest.mark.parametrize(
    "favour, organisation",
    [
        (
            {"direction": "we_asked", "description": "Speakers", "estimated_value": Decimal("-5"), "status": "asked"},
            True,
        ),
        (
            {"direction": "we_asked", "description": "Speakers", "estimated_value": Decimal("5"), "status": "asked"},
            False,
        ),
        (
            {"direction": "sideways", "description": "Speakers", "estimated_value": Decimal("5"), "status": "asked"},
            True,
        ),
    ],
)
def test_a_failing_favour_saves_nothing(organiser, acme, favour, organisation):
    loner = Contact.objects.create(first_name="Lone", last_name="Ranger")  # no organisation
    with pytest.raises(ValidationError):
        log_quick_entry(
            user=organiser,
            organisation=acme if organisation else None,
            contact=None if organisation else loner,
            kind="call",
            occurred_at=now(),
            summary="Asked for speakers",
            followup={"due_date": timezone.localdate(), "title": "Chase", "assignee": organiser},
            favour=favour,
        )
    assert counts() == (0, 0, 0)


def test_a_failing_followup_saves_nothing(organiser, acme):
    with pytest.raises(ValidationError) as error:
        log_quick_entry(
            user=organiser,
            organisation=acme,
            kind="call",
            occurred_at=now(),
            summary="x",
            followup={"due_date": None, "title": "Chase"},
        )
    assert "followup_due" in error.value.message_dict
    assert counts() == (0, 0, 0)


def test_service_needs_an_organisation_or_contact(organiser):
    with pytest.raises(ValidationError):
        log_quick_entry(user=organiser, kind="call", occurred_at=now(), summary="Nobody")
    assert counts() == (0, 0, 0)


# --- the page ----------------------------------------------------------------------------------------


def test_committee_gets_403_on_get_and_post(client, committee, acme):
    client.force_login(committee)
    assert client.get(URL).status_code == 403
    assert client.post(URL, post_data(organisation=acme.pk)).status_code == 403
    assert counts() == (0, 0, 0)


def test_anonymous_is_sent_to_login(client, db):
    assert client.get(URL).status_code == 302


@pytest.mark.clock
def test_organiser_logs_a_call_with_a_followup_and_returns_to_next(client, organiser, acme):
    client.force_login(organiser)
    due = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        URL,
        post_data(
            organisation=acme.pk,
            followup_due=due.isoformat(),
            followup_assignee=organiser.pk,
            next="/organisations/?sort=name",
        ),
        follow=True,
    )
    assert response.redirect_chain[0][0] == "/organisations/?sort=name"
    text = response.content.decode()
    assert "Logged call: Rang about the spring event and a follow-up due" in text
    assert counts() == (1, 1, 0)
    assert FollowUp.objects.get().title == "Follow up: Rang about the spring event"


def test_unsafe_next_falls_back_to_the_organisation_page(client, organiser, acme):
    client.force_login(organiser)
    response = client.post(URL, post_data(organisation=acme.pk, next="https://evil.example/"))
    assert response.status_code == 302 and response["Location"] == acme.get_absolute_url()


def test_contact_only_fills_the_organisation_and_redirects_there(client, organiser, acme, jane):
    client.force_login(organiser)
    response = client.post(URL, post_data(contact=jane.pk, kind="email"))
    assert response["Location"] == acme.get_absolute_url()
    assert Interaction.objects.get().organisation == acme


def test_organiser_logs_a_favour_from_the_form(client, organiser, acme):
    client.force_login(organiser)
    response = client.post(
        URL,
        post_data(
            organisation=acme.pk,
            kind="favour",
            summary="",
            favour_direction="they_offered",
            favour_description="Lent us a projector",
            favour_value="120.50",
            favour_status="done",
        ),
        follow=True,
    )
    assert "Logged favour: Favour: Lent us a projector" in response.content.decode()
    favour = Favour.objects.get()
    assert favour.estimated_value == Decimal("120.50") and favour.direction == "they_offered"
    assert Interaction.objects.get().kind == "note"


def test_negative_favour_value_shows_an_error_and_saves_nothing(client, organiser, acme):
    client.force_login(organiser)
    response = client.post(
        URL,
        post_data(
            organisation=acme.pk,
            also_favour="on",
            favour_description="Room",
            favour_value="-1",
            followup_due=timezone.localdate().isoformat(),
        ),
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode() and "Estimated value" in response.content.decode()
    assert counts() == (0, 0, 0)


def test_favour_without_an_organisation_gets_a_clear_error(client, organiser):
    loner = Contact.objects.create(first_name="Lone", last_name="Ranger")
    client.force_login(organiser)
    response = client.post(URL, post_data(contact=loner.pk, kind="favour", favour_description="Coffee"))
    assert response.status_code == 200
    assert "A favour needs an organisation" in response.content.decode()
    assert counts() == (0, 0, 0)


def test_summary_and_a_record_are_required(client, organiser):
    client.force_login(organiser)
    response = client.post(URL, post_data(summary=""))
    text = response.content.decode()
    assert "Write a one-line summary." in text and "Choose an organisation or a contact." in text
    assert counts() == (0, 0, 0)


def test_staff_logs_an_interaction_but_not_a_followup_or_favour(client, staff, acme):
    client.force_login(staff)
    page = client.get(URL).content.decode()
    assert 'name="summary"' in page
    assert 'name="followup_due"' not in page and 'name="favour_description"' not in page
    assert 'value="favour"' not in page

    response = client.post(URL, post_data(organisation=acme.pk))
    assert response.status_code == 302 and counts() == (1, 0, 0)

    response = client.post(URL, post_data(organisation=acme.pk, followup_due=timezone.localdate().isoformat()))
    assert response.status_code == 200
    assert "You do not have permission to add follow-ups." in response.content.decode()
    response = client.post(URL, post_data(organisation=acme.pk, kind="favour", favour_description="Desk"))
    assert response.status_code == 200
    assert counts() == (1, 0, 0)


def test_prefill_from_get_params(client, organiser, acme, jane):
    client.force_login(organiser)
    response = client.get(
        URL, {"organisation": acme.pk, "contact": jane.pk, "kind": "meeting", "next": acme.get_absolute_url()}
    )
    form = response.context["form"]
    assert form["organisation"].value() == acme.pk
    assert form["contact"].value() == jane.pk
    assert form["kind"].value() == "meeting"
    text = response.content.decode()
    assert f'<option value="{acme.pk}" selected>Acme Digital</option>' in text
    assert f'name="next" value="{acme.get_absolute_url()}"' in text


def test_prefill_contact_alone_fills_its_organisation(client, organiser, acme, jane):
    client.force_login(organiser)
    form = client.get(URL, {"contact": jane.pk}).context["form"]
    assert form["organisation"].value() == acme.pk


def test_form_is_keyboard_friendly(client, organiser):
    client.force_login(organiser)
    text = client.get(URL).content.decode()
    assert "autofocus" in text and 'type="datetime-local"' in text and 'type="submit"' in text
    for field in ("kind", "organisation", "contact", "summary", "occurred_at", "followup_due", "favour_value"):
        assert f'for="id_{field}"' in text


def test_nav_button_links_to_the_quick_log_with_next(client, organiser, committee, acme):
    client.force_login(organiser)
    text = client.get(reverse("crm:organisation_list")).content.decode()
    assert 'accesskey="l"' in text and f"{URL}?next=/organisations/" in text
    client.force_login(committee)
    assert 'accesskey="l"' not in client.get(reverse("crm:organisation_list")).content.decode()


def test_lookup_returns_up_to_ten_matches(client, organiser, acme, jane):
    for i in range(12):
        Organisation.objects.create(name=f"Acme Branch {i}")
    client.force_login(organiser)
    lookup = reverse("crm:lookup")
    results = client.get(lookup, {"q": "acme", "type": "organisation"}).json()["results"]
    assert len(results) == 10 and set(results[0]) == {"id", "label"}
    contacts = client.get(lookup, {"q": "jane", "type": "contact"}).json()["results"]
    assert contacts == [
        {"id": jane.pk, "label": "Jane Smith (Acme Digital)", "organisation": {"id": acme.pk, "label": "Acme Digital"}}
    ]
    assert client.get(lookup, {"q": "x", "type": "pledge"}).status_code == 400


def test_with_many_records_the_pickers_render_only_the_chosen_option(client, organiser, settings):
    """A page listing every contact would grow with the data; search-as-you-type offers the rest."""
    from quicklog.forms import QuickLogForm

    orgs = Organisation.objects.bulk_create(
        Organisation(name=f"Org {n}", name_key=f"org {n}") for n in range(QuickLogForm.RENDER_ALL_UP_TO + 5)
    )
    chosen = orgs[7]
    client.force_login(organiser)
    page = client.get(reverse("quicklog:quick_log"), {"organisation": chosen.pk}).content.decode()
    assert f'<option value="{chosen.pk}" selected>Org 7</option>' in page
    assert "Org 8<" not in page
    response = client.post(
        reverse("quicklog:quick_log"),
        {
            "kind": "call",
            "organisation": orgs[-1].pk,
            "summary": "Rang them",
            "occurred_at": "2026-11-20T10:00",
            "direction": "outbound",
        },
    )
    assert response.status_code == 302
    assert Interaction.objects.get(summary="Rang them").organisation == orgs[-1]


# --- the clock -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment, typed, saved_utc",
    [
        # 01:59 BST on the night the clocks go back: 01:00-01:59 happens twice; the first is taken.
        ("2027-10-31T00:59:30+00:00", "2027-10-31T01:59", "2027-10-31T00:59:00+00:00"),
        # The second 01:30 (GMT) of that night: typed, it reads as the first (an hour earlier, not refused).
        ("2027-10-31T01:30:30+00:00", "2027-10-31T01:30", "2027-10-31T00:30:00+00:00"),
        # 01:30 on the night the clocks go forward does not exist: a wall clock reads it as 02:30 BST.
        ("2027-03-28T02:00:00+00:00", "2027-03-28T01:30", "2027-03-28T01:30:00+00:00"),
    ],
)
def test_a_time_the_clock_change_repeats_or_skips_is_saved_not_refused(
    client, organiser, acme, moment, typed, saved_utc
):
    with time_machine.travel(datetime.datetime.fromisoformat(moment), tick=False):
        client.force_login(organiser)
        default = client.get(URL).context["form"]["occurred_at"].value()
        shown = default.strftime("%Y-%m-%dT%H:%M") if hasattr(default, "strftime") else default
        for when in (shown, typed):  # the form's own default, then the typed time (saved last)
            response = client.post(URL, post_data(organisation=acme.pk, occurred_at=when))
            assert response.status_code == 302, response.context["form"].errors
    saved = Interaction.objects.order_by("pk").last()
    assert saved.occurred_at == datetime.datetime.fromisoformat(saved_utc)
