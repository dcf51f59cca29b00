"""Background imports and exports: one row per job, so a person can leave and come back.

The row is the job's durable state (who, what, status, result); the task updates it as it
goes. Progress made inside the import's single transaction cannot be seen through the
database until it commits, so the live figures also go to a small side file
(spreadsheets.services.record_progress) that the progress view reads.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse


class SpreadsheetJob(models.Model):
    class Kind(models.TextChoices):
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    target = models.CharField(max_length=30, help_text="contacts, organisations, pledges…")
    file_format = models.CharField(max_length=10, blank=True, help_text="csv or xlsx (exports)")
    params = models.JSONField(default=dict, blank=True, help_text="What the task needs to redo the request.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=60, blank=True, help_text="What the task is doing now.")
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    summary = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    batch = models.ForeignKey("crm.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(max_length=255, blank=True, help_text="The uploaded or the downloadable file's name.")
    file_path = models.CharField(max_length=255, blank=True, help_text="Relative to MEDIA_ROOT; never served directly.")
    file_size = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="spreadsheetjob_user_recent")]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.target} #{self.pk}"

    def get_absolute_url(self):
        return reverse("spreadsheets:job_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0
