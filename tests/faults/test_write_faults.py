"""Faults in the middle of a write leave the database exactly as it was.

Each test breaks one step deep inside a write (after earlier steps have already
written rows) and compares every table — row counts and content checksums of all
crm, sponsors, partners, auth and history tables (privacy.backup.table_state) — before
and after. The import engine's own test covers a failure in the second batch of
contact inserts; these cover the other steps and the other services.
"""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.db.models.query import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import spreadsheets.resources.base as resources
import spreadsheets.resources.contacts as contact_resources
from crm.models import Contact, Event, FollowUp, ImportBatch, Interaction, Organisation, Tag
from partners.models import Favour
from privacy.backup import table_state
from sponsors import services as pledge_services
from sponsors.models import BenefitDelivery, Pledge, PledgeStageChange, SponsorshipTier, Stage
from spreadsheets.importing import auto_map, commit_import, plan_import, read_table, undo_import

pytestmark = pytest.mark.django_db


class Boom(RuntimeError):
    """The injected fault."""


def plan_for(text, target="contacts"):
    table = read_table(text.encode(), "faults.csv")
    return plan_import(target, table, auto_map(target, table.headers))


@pytest.fixture
def existing():
    acme = Organisation.objects.create(name="Acme Ltd", is_sponsor=True)
    Contact.objects.create(first_name="Kept", email="kept@example.org", job_title="Old", organisation=acme)
    Event.objects.create(name="Launch", sponsorship_target=Decimal("10000"))
    Tag.objects.create(name="old")
    return acme


CONTACTS = "Email,First Name,Job Title,Company,Tags\nkept@example.org,Kept,New title,Acme Ltd,vip\n" + "".join(
    f"p{i}@example.org,P{i},Dev,New Org {i % 4},launch\n" for i in range(40)
)


def fail_on(model_or_none, real):
    """A stand-in for `real` that raises when called for the given model (or always)."""

    def broken(model, *args, **kwargs):
        if model_or_none is None or model is model_or_none:
            raise Boom(f"fault in {real.__name__}")
        return real(model, *args, **kwargs)

    return broken


@pytest.mark.parametrize(
    "where, patch",
    [
        # organisations and contacts inserted, then recording the contacts' history fails
        (
            "contact history",
            lambda: mock.patch.object(
                contact_resources, "record_history", fail_on(Contact, contact_resources.record_history)
            ),
        ),
        # new contacts and their history written, then the update of the existing contact fails
        (
            "updates",
            lambda: mock.patch.object(
                contact_resources, "apply_updates", fail_on(Contact, contact_resources.apply_updates)
            ),
        ),
        # everything but the tag links written
        (
            "tag links",
            lambda: mock.patch.object(
                contact_resources, "bulk_create_ignore", fail_on(None, contact_resources.bulk_create_ignore)
            ),
        ),
        # every record written; the batch's final bookkeeping update fails
        (
            "batch bookkeeping",
            lambda: mock.patch.object(QuerySet, "update", side_effect=Boom("fault in the batch update")),
        ),
    ],
)
def test_contact_import_interrupted_changes_nothing(existing, where, patch):
    plan = plan_for(CONTACTS)
    assert plan.counts["new"] == 40 and plan.counts["updated"] == 1
    before = table_state()
    with patch(), pytest.raises(Boom):
        commit_import(plan, file_name="faults.csv")
    assert table_state() == before, f"a fault in {where} left rows behind"
    assert not ImportBatch.objects.exists()
    assert Contact.objects.get(email="kept@example.org").job_title == "Old"


@pytest.mark.parametrize(
    "target, text, fault",
    [
        (
            "organisations",
            "Name,City,Tags\nAcme Ltd,Leeds,vip\n" + "".join(f"Org {i},York,x\n" for i in range(30)),
            lambda: mock.patch("spreadsheets.resources.organisations.ensure_tags", side_effect=Boom("tags")),
        ),
        (
            "pledges",
            "Organisation,Event,Amount,Stage\n" + "".join(f"Sponsor {i},Launch,{100 + i},verbal\n" for i in range(10)),
            # the fifth pledge's first stage change fails after four pledges (and their changes) were saved
            lambda: _fail_nth(PledgeStageChange.objects, "create", 5),
        ),
        (
            "interactions",
            "Organisation,Date,Type,Summary\n"
            + "".join(f"Acme Ltd,2026-01-{i + 1:02d},call,Call {i}\n" for i in range(20)),
            lambda: mock.patch.object(resources, "insert_rows", side_effect=Boom("insert")),
        ),
    ],
)
def test_other_imports_interrupted_change_nothing(existing, target, text, fault):
    for i in range(10):
        Organisation.objects.create(name=f"Sponsor {i}")
    plan = plan_for(text, target)
    assert plan.counts["errors"] == 0 and plan.writes > 0, plan.errors
    before = table_state()
    with fault(), pytest.raises(Boom):
        commit_import(plan)
    assert table_state() == before
    assert not ImportBatch.objects.exists()


def _fail_nth(obj, name, n):
    real = getattr(obj, name)
    calls = {"n": 0}

    def maybe(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise Boom(f"fault in call {n} of {name}")
        return real(*args, **kwargs)

    return mock.patch.object(obj, name, maybe)


def test_undo_interrupted_changes_nothing(existing):
    batch = commit_import(plan_for(CONTACTS))
    before = table_state()
    # the updated contact is restored and some created records deleted, then the batch update fails
    with mock.patch.object(QuerySet, "update", side_effect=Boom("fault marking the batch undone")), pytest.raises(Boom):
        undo_import(batch)
    assert table_state() == before
    assert ImportBatch.objects.get().status != ImportBatch.Status.UNDONE


# --- quick log ----------------------------------------------------------------------------------


def quick_log_data(**extra):
    return {
        "kind": "call",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Rang",
        "direction": "outbound",
        "favour_direction": "we_asked",
        "favour_status": "asked",
        **extra,
    }


def test_quick_log_fault_after_interaction_saved_saves_nothing(existing, organiser):
    client = Client(raise_request_exception=False)
    client.force_login(organiser)
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    before = table_state()
    with mock.patch("crm.services.interactions.create_followup", side_effect=Boom("follow-up")) as broken:
        response = client.post(
            reverse("quicklog:quick_log"),
            quick_log_data(
                organisation=existing.pk,
                followup_due=due,
                followup_title="Send deck",
                also_favour="on",
                favour_description="Room for the meetup",
            ),
        )
    assert broken.called, "the fault fired after the interaction (and favour) were saved"
    assert response.status_code == 500
    assert table_state() == before
    assert (Interaction.objects.count(), FollowUp.objects.count(), Favour.objects.count()) == (0, 0, 0)


def test_quick_log_fault_in_favour_saves_nothing(existing, organiser):
    from quicklog.services import log_quick_entry

    before = table_state()
    with mock.patch("quicklog.services.record_favour", side_effect=Boom("favour")), pytest.raises(Boom):
        log_quick_entry(
            user=organiser,
            organisation=existing,
            kind="favour",
            occurred_at=timezone.now(),
            summary="Venue",
            favour={
                "direction": "they_offered",
                "description": "Venue",
                "estimated_value": Decimal("10"),
                "status": "agreed",
            },
        )
    assert table_state() == before


# --- pledges ------------------------------------------------------------------------------------


@pytest.fixture
def pledge(existing, organiser):
    event = Event.objects.get()
    tier = SponsorshipTier.objects.create(event=event, name="Gold", price=Decimal("5000"), logo=True, stand=True)
    return pledge_services.create_pledge(organisation=existing, event=event, tier=tier, user=organiser)


def test_move_pledge_fault_after_stage_change_recorded(pledge, organiser):
    before = table_state()
    with mock.patch.object(Pledge, "save", side_effect=Boom("disk full")), pytest.raises(Boom):
        pledge_services.move_pledge(pledge, Stage.CONFIRMED, user=organiser, note="signed")
    assert table_state() == before
    pledge.refresh_from_db()
    assert pledge.stage == Stage.PROSPECT
    assert PledgeStageChange.objects.filter(pledge=pledge).count() == 1


def test_move_pledge_fault_through_the_page_gives_500_and_changes_nothing(pledge, organiser):
    client = Client(raise_request_exception=False)
    client.force_login(organiser)
    before = table_state()
    with mock.patch.object(Pledge, "save", side_effect=Boom("disk full")):
        response = client.post(reverse("sponsors:pledge_move", args=[pledge.pk]), {"to_stage": "verbal"})
    assert response.status_code == 500
    assert table_state() == before


def test_create_pledge_fault_in_benefits_saves_nothing(existing, organiser):
    event = Event.objects.get()
    tier = SponsorshipTier.objects.create(event=event, name="Silver", price=Decimal("2000"), logo=True)
    before = table_state()
    with mock.patch.object(BenefitDelivery.objects, "bulk_create", side_effect=Boom("benefits")), pytest.raises(Boom):
        pledge_services.create_pledge(organisation=existing, event=event, tier=tier, user=organiser)
    assert table_state() == before
    assert not Pledge.objects.exists() and not PledgeStageChange.objects.exists()
