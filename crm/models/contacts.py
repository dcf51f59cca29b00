from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from crm.links import record_url
from crm.normalise import email_key


class LawfulBasis(models.TextChoices):
    """UK GDPR Article 6 bases for holding a person's details."""

    CONSENT = "consent", "Consent"
    CONTRACT = "contract", "Contract"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation"
    VITAL_INTERESTS = "vital_interests", "Vital interests"
    PUBLIC_TASK = "public_task", "Public task"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests"


class Contact(models.Model):
    """A person, usually at an organisation. The email, when given, identifies them."""

    # db_default: rows written as raw columns (synthetic data, restores of older backups) get "".
    salutation = models.CharField(
        max_length=30,
        blank=True,
        default="",
        db_default="",
        help_text="Dr, Prof, Cllr, Ms…",
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True, help_text="Stored lower-case; unique when present.")
    phone = models.CharField(max_length=40, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    # No single-column indexes on these two (Meta.indexes): (organisation, last_name) serves
    # lookups by organisation, and only contacts with an owner enter the owner index.
    organisation = models.ForeignKey(
        "crm.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        db_index=False,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_contacts",
        db_index=False,
    )
    tags = models.ManyToManyField("crm.Tag", blank=True, related_name="contacts")
    lawful_basis = models.CharField(
        max_length=30,
        choices=LawfulBasis.choices,
        default=LawfulBasis.LEGITIMATE_INTERESTS,
    )
    consent_date = models.DateField(null=True, blank=True)
    do_not_contact = models.BooleanField(default=False)
    source = models.CharField(max_length=100, blank=True, help_text="Which import or form created it.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    # django-simple-history reads these, when set, as the next history row's reason and author.
    _change_reason: str
    _history_user: Any

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="contact_email_unique_ci",
                violation_error_message="A contact with this email already exists.",
            ),
            models.CheckConstraint(
                condition=~Q(first_name="", last_name="", email=""),
                name="contact_has_name_or_email",
                violation_error_message="Give the contact a name or an email.",
            ),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["organisation", "last_name"]),  # PostgreSQL: INCLUDE (id), migration 0013
            # PostgreSQL has none (migration 0014): updated_at changes on every update, so with it no
            # contact could be updated in place; an API `updated_since` reads the table instead.
            models.Index(fields=["updated_at"]),
            # Partial: every index entry is written again for each updated row on PostgreSQL (an
            # import's re-import rewrites them all), so rows these lookups never want stay out.
            models.Index(fields=["owner"], condition=Q(owner__isnull=False), name="contact_owner"),
            models.Index(fields=["id"], condition=Q(do_not_contact=True), name="contact_do_not_contact"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_absolute_url(self):
        return record_url("crm:contact_detail", self.pk)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def save(self, *args, **kwargs):
        self.email = email_key(self.email)
        self.first_name = self.first_name.strip()
        self.last_name = self.last_name.strip()
        super().save(*args, **kwargs)
