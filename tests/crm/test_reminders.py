"""send_followup_reminders: one digest per user per day, listing overdue and due-today items."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from crm.models import FollowUp, Organisation, ReminderDigest
from crm.roles import ORGANISER
from tests.conftest import make_user

TODAY = datetime.date(2025, 6, 11)


def run(*args):
    out = StringIO()
    call_command("send_followup_reminders", "--date", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def fu(title, delta, assignee, **extra):
    return FollowUp.objects.create(
        title=title,
        due_date=TODAY + datetime.timedelta(days=delta),
        assignee=assignee,
        **extra,
    )


@pytest.fixture
def people(db, django_user_model):
    ann = make_user(django_user_model, "ann", ORGANISER, email="ann@example.test", first_name="Ann")
    bob = make_user(django_user_model, "bob", ORGANISER, email="bob@example.test")
    cat = make_user(django_user_model, "cat", ORGANISER, email="cat@example.test")  # nothing due
    noemail = make_user(django_user_model, "nomail", ORGANISER)
    gone = make_user(django_user_model, "gone", ORGANISER, email="gone@example.test", is_active=False)
    acme = Organisation.objects.create(name="Acme Ltd")
    fu("Chase Acme invoice", -3, ann, organisation=acme)
    fu("Call Acme back", 0, ann, organisation=acme)
    fu("Next week thing", 5, ann)
    fu("Already done", -1, ann, status=FollowUp.Status.DONE)
    fu("Bob today", 0, bob)
    fu("Cat later", 3, cat)
    fu("No email overdue", -1, noemail)
    fu("Inactive overdue", -1, gone)
    return ann, bob, cat


def test_one_digest_per_user_with_the_right_items(people, settings):
    settings.SITE_URL = "https://crm.example.test"
    ann, _bob, cat = people
    output = run()
    assert "Sent 2 digests (3 follow-ups); skipped 0 already sent today." in output
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.test", "bob@example.test"]
    ann_mail = next(m for m in mail.outbox if m.to == ["ann@example.test"])
    assert "Chase Acme invoice" in ann_mail.body and "3 days overdue" in ann_mail.body
    assert "Call Acme back" in ann_mail.body
    assert "Next week thing" not in ann_mail.body and "Already done" not in ann_mail.body
    assert "https://crm.example.test/followups/" in ann_mail.body
    html, mimetype = ann_mail.alternatives[0]
    assert mimetype == "text/html" and "Chase Acme invoice" in html
    assert ReminderDigest.objects.get(user=ann, sent_on=TODAY).item_count == 2
    assert not ReminderDigest.objects.filter(user=cat).exists()


def test_second_run_same_day_sends_nothing(people):
    run()
    mail.outbox.clear()
    output = run()
    assert mail.outbox == []
    assert "Sent 0 digests (0 follow-ups); skipped 2 already sent today." in output
    assert ReminderDigest.objects.count() == 2


def test_next_day_sends_again(people):
    run()
    mail.outbox.clear()
    out = StringIO()
    call_command("send_followup_reminders", "--date", (TODAY + datetime.timedelta(days=1)).isoformat(), stdout=out)
    # Ann: overdue chase + call (now overdue); Bob: his item is now overdue; Cat: nothing due until day 3
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.test", "bob@example.test"]


def test_dry_run_sends_and_records_nothing(people):
    output = run("--dry-run")
    assert mail.outbox == [] and not ReminderDigest.objects.exists()
    assert "ann <ann@example.test>: would send 2 follow-up(s)" in output


def test_users_with_nothing_due_get_nothing(db, django_user_model):
    user = make_user(django_user_model, "idle", ORGANISER, email="idle@example.test")
    fu("Far away", 10, user)
    assert "Sent 0 digests (0 follow-ups)" in run()
    assert mail.outbox == []


def test_failed_send_can_be_retried(people, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def boom(self, *a, **k):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", boom)
    with pytest.raises(CommandError, match="failed to send"):
        run()
    assert not ReminderDigest.objects.exists()  # nothing recorded, so the next run retries
    monkeypatch.undo()
    assert "Sent 2 digests" in run()


def test_followups_about_do_not_contact_people_are_not_chased(people):
    from crm.models import Contact

    _ann, _bob, cat = people
    quiet = Contact.objects.create(first_name="Quiet", last_name="Person", do_not_contact=True)
    fu("Chase the quiet person", -2, cat, contact=quiet)
    run()
    assert "cat@example.test" not in [m.to[0] for m in mail.outbox]
    assert all("Chase the quiet person" not in m.body for m in mail.outbox)


@pytest.mark.parametrize(
    "night",
    [
        datetime.datetime(2027, 3, 27, 20, 0, tzinfo=datetime.UTC),  # the clocks go forward at 01:00 GMT
        datetime.datetime(2027, 10, 30, 20, 0, tzinfo=datetime.UTC),  # the clocks go back at 01:00 UTC
    ],
)
def test_cron_every_twenty_minutes_across_a_clock_change_sends_one_digest_a_day(db, django_user_model, night):
    """Cron runs by the hour of the wall clock, which repeats or skips an hour on these nights: each
    person still gets exactly one digest for each local day, neither twice nor none."""
    import time_machine
    from django.utils import timezone

    ann = make_user(django_user_model, "ann", ORGANISER, email="ann@example.test")
    local_days = set()
    for step in range(3 * 24):  # 20:00 UTC to 20:00 UTC the next day, every 20 minutes
        moment = night + datetime.timedelta(minutes=20 * step)
        with time_machine.travel(moment, tick=False):
            today = timezone.localdate()
            local_days.add(today)
            if not FollowUp.objects.filter(due_date=today).exists():
                FollowUp.objects.create(title=f"Due {today}", due_date=today, assignee=ann)
            call_command("send_followup_reminders", stdout=StringIO())
    assert sorted(ReminderDigest.objects.filter(user=ann).values_list("sent_on", flat=True)) == sorted(local_days)
    assert len(mail.outbox) == len(local_days) == 2
