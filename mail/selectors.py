"""Reads the email pages share: the triage list, timeline entries, the mailbox state."""
from django.db.models import Count, Q
from django.urls import reverse

from mail.models import EmailMessage, FiledEmail, MailboxState


def triage_queryset():
    return (EmailMessage.objects.filter(status=EmailMessage.Status.UNMATCHED)
            .annotate(attachment_count=Count("attachments")).order_by("-sent_at", "-id"))


def mailbox_state() -> MailboxState | None:
    return MailboxState.objects.order_by("pk").first()


#: The newest emails given to a timeline (each links to the message and its attachments). The
#: core lists every email interaction itself, so older emails still show, without the link.
TIMELINE_LIMIT = 100


def timeline_entries(organisation=None, contact=None):
    """Timeline entries for the newest filed messages (per contact filed on), in one query."""
    from crm.selectors.timeline import Entry

    if contact is not None:
        where = Q(contact=contact)
    elif organisation is not None:
        where = Q(interaction__organisation=organisation)
    else:
        return
    rows = (FiledEmail.objects.filter(where)
            .values("message_id", "message__subject", "message__sent_at", "message__direction",
                    "message__from_address", "contact__first_name", "contact__last_name", "contact__email")
            .annotate(attachments=Count("message__attachments"))
            .order_by("-message__sent_at", "-id")[:TIMELINE_LIMIT])
    for row in rows:
        person = " ".join(p for p in (row["contact__first_name"], row["contact__last_name"]) if p) \
            or row["contact__email"]
        verb = "sent to" if row["message__direction"] == "outbound" else "from"
        title = f"Email {verb} {person}: {row['message__subject'] or '(no subject)'}"
        detail = ""
        if row["attachments"]:
            detail = f"{row['attachments']} attachment{'s' if row['attachments'] != 1 else ''}"
        yield Entry(row["message__sent_at"], "email", "bi-envelope", title, detail, "",
                    reverse("mail:message_detail", args=[row["message_id"]]))


#: Addresses at these domains say nothing about where someone works.
FREEMAIL = {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "yahoo.com",
            "yahoo.co.uk", "icloud.com", "me.com", "aol.com", "protonmail.com", "proton.me", "btinternet.com"}


def organisations_for_address(address: str, limit: int = 10) -> list:
    """Organisations whose contacts share this address's domain, most contacts first (one query)."""
    from crm.models import Organisation

    domain = (address or "").rpartition("@")[2].lower()
    if not domain or domain in FREEMAIL:
        return []
    return list(Organisation.objects.filter(contacts__email__iendswith="@" + domain)
                .annotate(n=Count("contacts")).order_by("-n", "name")[:limit])
