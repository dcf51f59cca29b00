"""Email kept in the contact history: each message once (by Message-ID), its attachments,
the interactions it was filed as, organiser-kept templates and mail merges."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Direction(models.TextChoices):
    INBOUND = "inbound", "Received"
    OUTBOUND = "outbound", "Sent"


class EmailMessage(models.Model):
    """One message as received or sent. Filed ones have an interaction per contact (FiledEmail);
    unmatched ones wait in the "Email to file" list; discarded ones are kept so the same
    Message-ID is recognised as a duplicate when it arrives again."""

    class Status(models.TextChoices):
        FILED = "filed", "Filed"
        UNMATCHED = "unmatched", "To file"
        DISCARDED = "discarded", "Discarded"
        #: Sent from the CRM: committed before the SMTP conversation, filed once the server accepted
        #: it. One left in this state had its process killed mid-send (interrupted, below).
        SENDING = "sending", "Being sent"

    class Source(models.TextChoices):
        IMAP = "imap", "Mailbox"
        UPLOAD = "upload", "Uploaded"
        IMPORT = "import", "Imported file"
        SENT = "sent", "Sent from the CRM"

    message_id = models.CharField(max_length=500, unique=True)
    from_name = models.CharField(max_length=300, blank=True)
    from_address = models.CharField(max_length=320, blank=True, db_index=True)
    to_addresses = models.JSONField(default=list, blank=True)
    cc_addresses = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=1000, blank=True)
    sent_at = models.DateTimeField(db_index=True)
    body_text = models.TextField(blank=True, help_text="The plain-text part, or the text of the HTML part.")
    html_text = models.TextField(blank=True, help_text="Text derived from the HTML part (markup and scripts removed).")
    headers = models.TextField(blank=True)
    in_reply_to = models.CharField(max_length=500, blank=True)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNMATCHED, db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMPORT)
    forwarded_by = models.CharField(
        max_length=320, blank=True, help_text="Who forwarded it, when it was filed against the original sender."
    )
    note = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["status", "sent_at"])]

    def __str__(self):
        return self.subject or "(no subject)"

    def get_absolute_url(self):
        return reverse("mail:message_detail", args=[self.pk])

    @property
    def text(self) -> str:
        return self.body_text or self.html_text

    @property
    def interrupted(self) -> bool:
        """Being sent for longer than MAIL_SEND_STALLED_SECONDS: the process sending it was killed
        mid-send, so the server may or may not have it. It is never sent again by itself."""
        stale_before = timezone.now() - datetime.timedelta(seconds=settings.MAIL_SEND_STALLED_SECONDS)
        return self.status == self.Status.SENDING and self.received_at < stale_before


def attachment_path(instance, filename):
    # The stored name is the sanitised one, in a folder per message.
    return f"mail/{instance.message_id}/{filename}"


class EmailAttachment(models.Model):
    message = models.ForeignKey(EmailMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=150, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    file = models.FileField(upload_to=attachment_path, max_length=500, blank=True)
    skipped = models.CharField(max_length=300, blank=True, help_text="Why the file was not stored.")

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.filename

    def get_absolute_url(self):
        return reverse("mail:attachment_download", args=[self.pk])


class FiledEmail(models.Model):
    """A message filed on one contact, as one email interaction in the contact history."""

    message = models.ForeignKey(EmailMessage, on_delete=models.CASCADE, related_name="filings")
    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="filed_emails")
    interaction = models.OneToOneField("crm.Interaction", on_delete=models.CASCADE, related_name="filed_email")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "contact"], name="filed_email_once_per_contact")]

    def __str__(self):
        return f"{self.message} → {self.contact}"


class MailboxState(models.Model):
    """The last fetch from the mailbox, shown on the triage page (one row)."""

    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)

    def __str__(self):
        return "Mailbox"


class EmailTemplate(models.Model):
    """A message the organiser reuses, with merge fields such as {{ first_name }}."""

    name = models.CharField(max_length=150, unique=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("mail:template_update", args=[self.pk])


class MailMerge(models.Model):
    """One personal message per contact of a list, sent by a task, resumable."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Sending"
        WAITING = "waiting", "Waiting for the mail server"
        DONE = "done", "Done"
        FAILED = "failed", "Stopped by an error"

    template = models.ForeignKey(EmailTemplate, on_delete=models.PROTECT, related_name="merges")
    description = models.CharField(max_length=300, blank=True, help_text="Which list it went to.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: When the merge last showed a sign of life: queued, or a recipient handled. A merge queued or
    #: sending with no sign of life for MAIL_MERGE_STALLED_SECONDS has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    #: Runs stopped by a mail server that asked to try later (421, 451, refused connection), in a row.
    retries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.template} ({self.created_at:%d %b %Y})"

    @property
    def stalled(self) -> bool:
        """Queued or sending, but nothing has happened for too long: the worker died or is not running."""
        if self.status not in (self.Status.QUEUED, self.Status.RUNNING):
            return False
        since = self.heartbeat_at or self.created_at
        return since < timezone.now() - datetime.timedelta(seconds=settings.MAIL_MERGE_STALLED_SECONDS)

    def get_absolute_url(self):
        return reverse("mail:merge_detail", args=[self.pk])


class MailMergeRecipient(models.Model):
    """One contact of a merge; its status makes a restarted merge skip who already got it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Refused"

    merge = models.ForeignKey(MailMerge, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="+")
    email = models.CharField(max_length=320, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=300, blank=True)
    message = models.ForeignKey(EmailMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["merge", "contact"], name="merge_recipient_once")]

    def __str__(self):
        return f"{self.merge} → {self.email}"
