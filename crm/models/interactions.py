from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    from crm.models.contacts import Contact
    from crm.models.followups import FollowUp


class Interaction(models.Model):
    """One entry of contact history: a call, an email, a meeting, a note."""

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        EMAIL = "email", "Email"
        MEETING = "meeting", "Meeting"
        MESSAGE = "message", "Message"
        EVENT_CONVERSATION = "event_conversation", "Event conversation"
        NOTE = "note", "Note"

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "We contacted them"
        INBOUND = "inbound", "They contacted us"
        NONE = "", "Not applicable"

    organisation = models.ForeignKey(
        "crm.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    contact = models.ForeignKey(
        "crm.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CALL)
    direction = models.CharField(max_length=10, choices=Direction.choices, blank=True, default=Direction.OUTBOUND)
    occurred_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=300)
    outcome = models.TextField(blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="logged_interactions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Not fields: the services that log an interaction set these for the page that says what was
    # saved with it (crm.services.interactions, quicklog.services).
    created_followup: "FollowUp | None"
    created_favour: models.Model | None
    created_contact: "Contact | None"  # the quick log's "new contact"

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(contact__isnull=False),
                name="interaction_has_organisation_or_contact",
                violation_error_message="Choose an organisation or a contact.",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "occurred_at"]),
            models.Index(fields=["contact", "occurred_at"]),
            models.Index(fields=["logged_by", "occurred_at"]),
            # The activity dashboard's weekly counts by kind and by owner: read from the index
            # alone, by date range (the first), or, with planner statistics, one skip-scan
            # per week that needs no sort to group (the second).
            models.Index(fields=["occurred_at", "kind", "logged_by"]),
            models.Index(fields=["kind", "logged_by", "occurred_at"], name="interaction_kind_owner_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary}"
