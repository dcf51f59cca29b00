import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class FollowUpQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=FollowUp.Status.OPEN)

    def overdue(self, today: datetime.date | None = None):
        """Overdue is derived from the due date, never stored."""
        return self.open().filter(due_date__lt=today or timezone.localdate())


class FollowUp(models.Model):
    """Something someone has to do by a date, usually chasing a pledge or favour."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField("what", max_length=300)
    notes = models.TextField(blank=True)
    due_date = models.DateField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    organisation = models.ForeignKey(
        "crm.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followups",
    )
    contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followups",
    )
    pledge = models.ForeignKey(
        "sponsors.Pledge",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
    )
    favour = models.ForeignKey(
        "partners.Favour",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
    )
    interaction = models.ForeignKey(
        "crm.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
        help_text="The interaction this follow-up came from.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FollowUpQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["assignee", "status", "due_date"]),
            # Serve "next open follow-up of this organisation/contact" without a sort.
            models.Index(fields=["organisation", "status", "due_date"]),
            models.Index(fields=["contact", "status", "due_date"]),
        ]

    def __str__(self):
        return f"{self.title} (due {self.due_date:%d %b %Y})"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < timezone.localdate()
