"""Email each user one digest of their overdue and due-today follow-ups; safe to run from cron."""

import datetime
from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from crm.models import ReminderDigest
from crm.selectors.followups import due_for_reminder, relative_due


def _site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


class Command(BaseCommand):
    help = "Send each active user one email listing their overdue and due-today follow-ups (once a day)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Treat this day (YYYY-MM-DD) as today. Default: today.")
        parser.add_argument("--dry-run", action="store_true", help="List who would get a digest; send nothing.")

    def handle(self, *args, date=None, dry_run=False, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}.") from None
        site = _site_url()
        list_url = site + reverse("crm:followup_list")
        sent = items_sent = skipped = failed = 0
        followups = due_for_reminder(today)
        for user, group in groupby(followups, key=lambda f: f.assignee):
            items = list(group)
            if dry_run:
                already = ReminderDigest.objects.filter(user=user, sent_on=today).exists()
                verb = "would skip (already sent)" if already else "would send"
                self.stdout.write(f"{user.username} <{user.email}>: {verb} {len(items)} follow-up(s)")
                if already:
                    skipped += 1
                else:
                    sent += 1
                    items_sent += len(items)
                continue
            try:
                delivered = self._send(user, items, today=today, site=site, list_url=list_url)
            except Exception as error:  # one bad address must not stop everyone else's digest
                failed += 1
                self.stderr.write(f"Could not email {user.username}: {error}")
                continue
            if delivered:
                sent += 1
                items_sent += len(items)
            else:
                skipped += 1
        prefix = "Dry run: would have sent" if dry_run else "Sent"
        self.stdout.write(
            f"{prefix} {sent} digest{'s' if sent != 1 else ''} ({items_sent} follow-up{'s' if items_sent != 1 else ''}); "
            f"skipped {skipped} already sent today."
        )
        if failed:
            raise CommandError(f"{failed} digest{'s' if failed != 1 else ''} failed to send; run again to retry.")

    def _send(self, user, items, *, today, site, list_url) -> bool:
        """Claim the (user, day) row and send in one transaction: a rival run or a failed send leaves
        nothing half-done (the unique constraint makes the second claimant back off)."""
        try:
            with transaction.atomic():
                _digest, created = ReminderDigest.objects.get_or_create(
                    user=user,
                    sent_on=today,
                    defaults={"item_count": len(items)},
                )
                if not created:
                    return False
                self._email(user, items, today=today, site=site, list_url=list_url).send()
        except IntegrityError:
            return False  # another run claimed it between our read and our insert
        return True

    def _email(self, user, items, *, today, site, list_url):
        for item in items:
            item.link = site + reverse("crm:followup_update", args=[item.pk])
            item.relative_due = relative_due(item.due_date, today)
        overdue = [item for item in items if item.due_date < today]
        due_today = [item for item in items if item.due_date == today]
        context = {
            "user": user,
            "overdue": overdue,
            "due_today": due_today,
            "item_count": len(items),
            "list_url": list_url,
            "today": today,
        }
        subject = f"Follow-ups: {len(overdue)} overdue, {len(due_today)} due today"
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("crm/email/followup_digest.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        message.attach_alternative(render_to_string("crm/email/followup_digest.html", context), "text/html")
        return message
