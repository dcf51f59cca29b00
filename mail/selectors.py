"""Reads the email pages share: the triage list, timeline entries, the mailbox state."""

import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from mail.models import EmailMessage, FiledEmail, MailboxState


def triage_queryset():
    return (
        EmailMessage.objects.filter(status=EmailMessage.Status.UNMATCHED)
        .annotate(attachment_count=Count("attachments"))
        .order_by("-sent_at", "-id")
    )


def mailbox_state() -> MailboxState | None:
    return MailboxState.objects.order_by("pk").first()


def interaction_links(interaction_ids) -> dict:
    """The message behind each email interaction on a timeline, with its attachment count (one query).

    The core lists the email interactions itself (crm.registry.register_interaction_links):
    this turns each into a link to its message, so an email shows once, with its attachments.
    """
    rows = (
        FiledEmail.objects.filter(interaction_id__in=interaction_ids)
        .values("interaction_id", "message_id")
        .annotate(attachments=Count("message__attachments"))
    )
    links = {}
    for row in rows:
        count = row["attachments"]
        note = f"{count} attachment{'s' if count != 1 else ''}" if count else ""
        links[row["interaction_id"]] = (reverse("mail:message_detail", args=[row["message_id"]]), note)
    return links


#: Addresses at these domains say nothing about where someone works.
FREEMAIL = {
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "live.com",
    "yahoo.com",
    "yahoo.co.uk",
    "icloud.com",
    "me.com",
    "aol.com",
    "protonmail.com",
    "proton.me",
    "btinternet.com",
}


def organisations_for_address(address: str, limit: int = 10) -> list:
    """Organisations whose contacts share this address's domain, most contacts first (one query)."""
    from crm.models import Organisation

    domain = (address or "").rpartition("@")[2].lower()
    if not domain or domain in FREEMAIL:
        return []
    return list(
        Organisation.objects.filter(contacts__email__iendswith="@" + domain)
        .annotate(n=Count("contacts"))
        .order_by("-n", "name")[:limit]
    )


def stopped_merges(user) -> list:
    """The user's merges that need them: stopped by an error, or queued or sending with no progress
    for MAIL_MERGE_STALLED_SECONDS (the worker died or is not running). Newest first, at most ten."""
    from mail.models import MailMerge

    stale_before = timezone.now() - datetime.timedelta(seconds=settings.MAIL_MERGE_STALLED_SECONDS)
    active = Q(status__in=[MailMerge.Status.QUEUED, MailMerge.Status.RUNNING])
    stale = active & (Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, created_at__lt=stale_before))
    return list(
        MailMerge.objects.filter(created_by=user)
        .filter(stale | Q(status=MailMerge.Status.FAILED, recipients__status__in=["pending", "sending"]))
        .select_related("template")
        .distinct()
        .order_by("-created_at")[:10]
    )


def interrupted_sends(user) -> list:
    """Messages the user sent from the CRM whose process was killed mid-send (still "being sent"
    after MAIL_SEND_STALLED_SECONDS): the server may or may not have them. Newest first, at most ten."""
    stale_before = timezone.now() - datetime.timedelta(seconds=settings.MAIL_SEND_STALLED_SECONDS)
    return list(
        EmailMessage.objects.filter(imported_by=user, status=EmailMessage.Status.SENDING, received_at__lt=stale_before)
        .only("pk", "subject", "to_addresses", "received_at", "status")
        .order_by("-received_at")[:10]
    )
