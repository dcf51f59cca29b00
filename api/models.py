"""Personal API tokens, webhooks and their delivery log."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

#: A token reads "crm_" + 8 characters of prefix (stored, shown in lists) + "_" + the secret.
TOKEN_PREFIX = "crm_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal token for the REST API; only its SHA-256 hash is stored, so it is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “ticketing sync”.")
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> tuple[str, str]:
        """(prefix, full key)."""
        prefix = secrets.token_hex(4)
        return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "Revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "Expired"
        return "Active"


class Event(models.TextChoices):
    """What a webhook can be told about."""

    PLEDGE_STAGE_CHANGED = "pledge.stage_changed", "Pledge stage changed"
    PLEDGE_PAID = "pledge.paid", "Pledge paid"
    INTERACTION_LOGGED = "interaction.logged", "Interaction logged"
    CONTACT_CREATED = "contact.created", "Contact created"
    CONTACT_CHANGED = "contact.changed", "Contact changed"


def event_choices() -> list[tuple[str, str]]:
    """The API's own events, then those other apps registered (crm.registry.register_event_type)."""
    from crm.registry import event_types

    return [*Event.choices, *((e.name, e.label) for e in event_types() if e.name not in Event.values)]


def event_names() -> set[str]:
    return {name for name, _ in event_choices()}


class Webhook(models.Model):
    """A URL the organiser registered to be told when chosen things happen."""

    name = models.CharField(max_length=100)
    url = models.URLField("target URL", max_length=500)
    events = models.JSONField(default=list, help_text="Event names, e.g. pledge.paid.")
    secret = models.CharField(max_length=64, editable=False, help_text="Signs every delivery (HMAC-SHA256).")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("api:webhook_detail", args=[self.pk])

    @property
    def event_labels(self) -> list[str]:
        labels = dict(event_choices())
        return [labels.get(e, e) for e in self.events]


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one webhook; a retry is a new row with attempt + 1."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed, will retry"
        GAVE_UP = "gave_up", "Failed, gave up"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.UUIDField(help_text="The same for every attempt of one event, so receivers can de-duplicate.")
    payload = models.JSONField()
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["webhook", "-created_at"])]

    def __str__(self):
        return f"{self.event} → {self.webhook} (attempt {self.attempt}: {self.get_status_display()})"
