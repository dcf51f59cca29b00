from django.conf import settings
from django.db import models
from django.urls import reverse


class ImportBatch(models.Model):
    """One import of one file: enough to report on it and to undo it."""

    class Target(models.TextChoices):
        CONTACTS = "contacts", "Contacts"
        ORGANISATIONS = "organisations", "Organisations"
        PLEDGES = "pledges", "Pledges"
        INTERACTIONS = "interactions", "Interactions"

    class Status(models.TextChoices):
        COMMITTED = "committed", "Committed"
        UNDONE = "undone", "Undone"

    target = models.CharField(max_length=20, choices=Target.choices)
    file_name = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_batches",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COMMITTED)
    mapping = models.JSONField(default=dict, blank=True, help_text="Column header → field used.")
    mode = models.CharField(max_length=20, blank=True, help_text="create, update or create and update")
    new_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="Row-level errors: line, column, reason.")
    created_records = models.JSONField(default=dict, blank=True, help_text="model label → ids created.")
    changed_records = models.JSONField(
        default=list,
        blank=True,
        help_text="Previous values of each record the import changed.",
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"Import #{self.pk}: {self.file_name} ({self.get_target_display()})"

    def get_absolute_url(self):
        return reverse("spreadsheets:import_detail", args=[self.pk])

    @property
    def summary(self) -> str:
        return (
            f"new={self.new_count} updated={self.updated_count} unchanged={self.unchanged_count} "
            f"skipped={self.skipped_count} errors={self.error_count}"
        )


class ImportMapping(models.Model):
    """A saved column mapping, reused when the same kind of file comes again."""

    name = models.CharField(max_length=100)
    target = models.CharField(max_length=20, choices=ImportBatch.Target.choices)
    mapping = models.JSONField(default=dict, help_text="Column header → field.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target", "name"]
        constraints = [models.UniqueConstraint(fields=["target", "name"], name="import_mapping_unique_name")]

    def __str__(self):
        return f"{self.name} ({self.get_target_display()})"
