from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from crm.links import record_url
from crm.normalise import organisation_key


class Role(models.TextChoices):
    SPONSOR = "sponsor", "Sponsor"
    SUPPLIER = "supplier", "Supplier"
    TRAINING_PROVIDER = "training_provider", "Training provider"
    PUBLIC_BODY = "public_body", "Public body"


class Sector(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"
    VOLUNTARY = "voluntary", "Voluntary"
    EDUCATION = "education", "Education"


class Organisation(models.Model):
    """A sponsor, supplier, training provider or public body (any mix of roles).

    Roles are four booleans rather than a list so that every list and dashboard
    can filter and index on them cheaply.
    """

    name = models.CharField(max_length=200)
    name_key = models.CharField(
        max_length=200,
        unique=True,
        editable=False,
        help_text="Normalised name: two organisations may not share it.",
    )
    is_sponsor = models.BooleanField("sponsor", default=False, db_index=True)
    is_supplier = models.BooleanField("supplier", default=False, db_index=True)
    is_training_provider = models.BooleanField("training provider", default=False, db_index=True)
    is_public_body = models.BooleanField("public body", default=False, db_index=True)
    sector = models.CharField(max_length=20, choices=Sector.choices, blank=True, db_index=True)
    website = models.URLField(blank=True)
    city = models.CharField("city / region", max_length=100, blank=True, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_organisations",
        help_text="The committee member who holds the relationship.",
    )
    tags = models.ManyToManyField("crm.Tag", blank=True, related_name="organisations")
    notes = models.TextField(blank=True)
    source = models.CharField(max_length=100, blank=True, help_text="Which import or form created it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["name_key", "updated_at"])

    ROLE_FIELDS = {
        Role.SPONSOR: "is_sponsor",
        Role.SUPPLIER: "is_supplier",
        Role.TRAINING_PROVIDER: "is_training_provider",
        Role.PUBLIC_BODY: "is_public_body",
    }

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["updated_at"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("crm:organisation_detail", self.pk)

    @property
    def roles(self) -> list[str]:
        return [role.value for role, field in self.ROLE_FIELDS.items() if getattr(self, field)]

    @property
    def role_labels(self) -> list[str]:
        return [Role(role).label for role in self.roles]

    def set_roles(self, roles) -> None:
        for role, field in self.ROLE_FIELDS.items():
            setattr(self, field, role in roles)

    def clean(self):
        self.name = (self.name or "").strip()
        self.name_key = organisation_key(self.name)
        if not self.name_key:
            raise ValidationError({"name": "Enter a name with at least one letter or digit."})
        clash = Organisation.objects.filter(name_key=self.name_key).exclude(pk=self.pk).first()
        if clash:
            raise ValidationError({"name": f"This is the same organisation as “{clash.name}”."})

    def save(self, *args, **kwargs):
        self.name = (self.name or "").strip()
        self.name_key = organisation_key(self.name)
        super().save(*args, **kwargs)
