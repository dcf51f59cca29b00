"""Merging contacts: every kind of row moves, consent, bad input, three at once, undo exactly."""

import datetime

import pytest
import time_machine
from django.apps import apps

from crm import registry
from crm.models import Contact, FollowUp, Interaction
from duplicates import services
from duplicates.models import Merge
from mail.models import FiledEmail, MailMergeRecipient
from partners.models import Favour
from privacy.backup import table_state
from tests.duplicates.conftest import NOW

pytestmark = pytest.mark.django_db


def domain_state():
    """Checksums of every table of the apps a merge touches, history tables aside (a merge and
    its undo add history rows, as any change does)."""
    models = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in {"crm", "sponsors", "partners", "mail", "invoicing"}
        and not m._meta.model_name.startswith("historical")
    ]
    return table_state(models)


def test_a_merge_moves_every_kind_of_row_to_the_kept_contact(pair, organiser):
    kept, merged = pair
    plan = services.merge_plan("contacts", kept.pk, [merged.pk])
    assert plan.moves == {"interactions": 5, "follow-ups": 1, "tags": 1, "favours": 1, "emails": 2}

    merge = services.merge_records("contacts", kept.pk, [merged.pk], user=organiser)

    assert not Contact.objects.filter(pk=merged.pk).exists()
    assert Interaction.objects.filter(contact=kept).count() == 3 + 5 - 1  # the duplicate filing went
    assert FollowUp.objects.get().contact_id == kept.pk
    assert Favour.objects.get().contact_id == kept.pk
    assert sorted(FiledEmail.objects.values_list("message__subject", "contact_id")) == [
        ("To Dr", kept.pk),
        ("To both", kept.pk),
    ]
    assert MailMergeRecipient.objects.filter(contact=kept).count() == 2  # the newsletter once, the invite
    assert sorted(kept.tags.values_list("name", flat=True)) == ["local-gov", "nhs"]
    assert merge.merged_ids == [merged.pk] and merge.merged_by == organiser
    # The follow-up's history says it was moved, and by whom.
    assert FollowUp.history.latest().history_user == organiser


def test_the_fuller_value_wins_unless_chosen_and_the_stricter_consent_always(pair, organiser):
    kept, merged = pair
    services.merge_records("contacts", kept.pk, [merged.pk], user=organiser, choices={"email": merged.pk})
    kept.refresh_from_db()
    assert kept.salutation == "Dr"  # fuller: the kept had none
    assert kept.job_title == "Head of Digital Services"
    assert kept.email == "priya.shah.home@gmail.com"  # chosen, though the work address is longer
    assert kept.phone == "+44 113 496 0044"  # the longer way of writing the same number
    assert kept.do_not_contact is True  # one of them asked
    assert kept.consent_date == datetime.date(2026, 6, 1) and kept.lawful_basis == "consent"


def test_the_later_consent_date_comes_with_its_own_basis(pair, organiser):
    kept, merged = pair
    Contact.objects.filter(pk=kept.pk).update(lawful_basis="contract", consent_date=datetime.date(2026, 9, 1))
    services.merge_records("contacts", kept.pk, [merged.pk], user=organiser)
    kept.refresh_from_db()
    assert (kept.consent_date, kept.lawful_basis) == (datetime.date(2026, 9, 1), "contract")


def test_undo_puts_back_exactly_what_was_there(pair, organiser):
    kept, merged = pair
    with time_machine.travel(NOW, tick=False):
        Contact.objects.filter(pk__in=[kept.pk, merged.pk]).update(updated_at=NOW, created_at=NOW)
        before = domain_state()
        merge = services.merge_records("contacts", kept.pk, [merged.pk], user=organiser, choices={"email": merged.pk})
        assert domain_state() != before
        services.undo_merge(merge, user=organiser)
        assert domain_state() == before
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by == organiser
    restored = Contact.objects.get(pk=merged.pk)
    assert restored.salutation == "Dr" and sorted(restored.tags.values_list("name", flat=True)) == ["local-gov", "nhs"]
    assert restored.history.order_by("-history_id").first().history_change_reason.startswith("restored")


def test_undo_leaves_a_field_someone_changed_since(pair, organiser):
    kept, merged = pair
    merge = services.merge_records("contacts", kept.pk, [merged.pk], user=organiser)
    kept.refresh_from_db()
    kept.job_title = "Chief Digital Officer"
    kept.save()
    services.undo_merge(merge, user=organiser)
    kept.refresh_from_db()
    assert kept.job_title == "Chief Digital Officer"  # changed by a person since: kept
    assert kept.salutation == ""  # set by the merge, unchanged since: reverted


def test_undo_is_refused_after_30_days_and_twice(pair, organiser):
    kept, merged = pair
    with time_machine.travel(NOW, tick=False):
        merge = services.merge_records("contacts", kept.pk, [merged.pk], user=organiser)
    with (
        time_machine.travel(NOW + datetime.timedelta(days=30, minutes=1), tick=False),
        pytest.raises(services.MergeError, match="30 days"),
    ):
        services.undo_merge(merge, user=organiser)
    with time_machine.travel(NOW + datetime.timedelta(days=29), tick=False):
        services.undo_merge(merge, user=organiser)
        with pytest.raises(services.MergeError, match="already undone"):
            services.undo_merge(merge, user=organiser)


def test_undo_is_refused_when_the_kept_contact_was_merged_again(pair, organiser):
    kept, merged = pair
    third = Contact.objects.create(first_name="P", last_name="Shah", email="p@x.org")
    first = services.merge_records("contacts", kept.pk, [merged.pk], user=organiser)
    services.merge_records("contacts", third.pk, [kept.pk], user=organiser)
    with pytest.raises(services.MergeError, match="no longer exists"):
        services.undo_merge(first, user=organiser)
    assert not Contact.objects.filter(pk=merged.pk).exists()


@pytest.mark.parametrize(
    "keep, merge_ids, message",
    [
        ("kept", ["kept"], "into itself"),
        ("kept", [], "at least one"),
        ("kept", [999999], "no longer exists"),
        (999999, ["merged"], "no longer exists"),
        ("kept", ["x"], "by their numbers"),
    ],
)
def test_bad_merges_are_refused_with_a_message_and_change_nothing(pair, organiser, keep, merge_ids, message):
    kept, merged = pair
    ids = {"kept": kept.pk, "merged": merged.pk}
    before = domain_state()
    with pytest.raises(services.MergeError, match=message):
        services.merge_records("contacts", ids.get(keep, keep), [ids.get(m, m) for m in merge_ids], user=organiser)
    assert domain_state() == before and not Merge.objects.exists()


def test_a_record_changed_since_the_screen_was_opened_is_refused(pair, organiser):
    kept, merged = pair
    plan = services.merge_plan("contacts", kept.pk, [merged.pk])
    Contact.objects.get(pk=merged.pk).save()  # someone else saves it meanwhile
    before = domain_state()
    with pytest.raises(services.StaleRecords, match="changed"):
        services.merge_records("contacts", kept.pk, [merged.pk], user=organiser, versions=plan.versions)
    assert domain_state() == before


def test_a_row_no_hook_moves_refuses_the_whole_merge(pair, organiser, monkeypatch):
    """An app that forgot its merge hook: nothing is deleted with the merged record."""
    kept, merged = pair
    hooks = {k: dict(v) for k, v in registry._merge_hooks.items()}
    hooks["crm.contact"].pop("crm.followups")
    monkeypatch.setattr(registry, "_merge_hooks", hooks)
    before = domain_state()
    with pytest.raises(services.MergeError, match="follow ups"):
        services.merge_records("contacts", kept.pk, [merged.pk], user=organiser)
    assert domain_state() == before


def test_three_contacts_merge_into_one_and_come_back(pair, organiser):
    kept, merged = pair
    third = Contact.objects.create(first_name="Priya", last_name="Shah", email="ps@leeds.example.org")
    Interaction.objects.create(contact=third, summary="Third's call")
    with time_machine.travel(NOW, tick=False):
        Contact.objects.update(updated_at=NOW, created_at=NOW)
        before = domain_state()
        merge = services.merge_records("contacts", kept.pk, [merged.pk, third.pk], user=organiser)
        assert Contact.objects.count() == 1
        assert Interaction.objects.filter(contact=kept).count() == 3 + 5 - 1 + 1
        services.undo_merge(merge, user=organiser)
        assert domain_state() == before


def test_the_merged_contact_email_is_free_for_the_kept_one(pair, organiser):
    """Taking the merged person's address breaks no unique rule: they are gone first."""
    kept, merged = pair
    services.merge_records("contacts", kept.pk, [merged.pk], user=organiser, choices={"email": merged.pk})
    assert Contact.objects.get().email == "priya.shah.home@gmail.com"


def test_rows_behind_a_hidden_relation_are_counted_too(pair, organiser, monkeypatch):
    """Mail-merge rows point at a contact without a reverse name (related_name="+"); without the
    mail app's hook they would be deleted with the merged person, so the merge is refused."""
    kept, merged = pair
    hooks = {k: dict(v) for k, v in registry._merge_hooks.items()}
    hooks["crm.contact"].pop("mail.emails")
    monkeypatch.setattr(registry, "_merge_hooks", hooks)
    FiledEmail.objects.filter(contact=merged).delete()  # only the hidden relation's rows are left
    with pytest.raises(services.MergeError, match="mail merge recipients"):
        services.merge_records("contacts", kept.pk, [merged.pk], user=organiser)
    assert MailMergeRecipient.objects.filter(contact=merged).count() == 2
