"""The import history and background jobs tables."""

import django_tables2 as tables
from django.utils.html import format_html

from crm.models import ImportBatch
from crm.tables.columns import DateTimeColumn
from spreadsheets.models import SpreadsheetJob


class ImportBatchTable(tables.Table):
    created_at = DateTimeColumn(verbose_name="When", format="j M Y H:i", linkify=True)
    created_by = tables.Column(verbose_name="Who", accessor="created_by__username", default="—")
    file_name = tables.Column(verbose_name="File")
    target = tables.Column(verbose_name="Target")
    counts = tables.Column(
        verbose_name="New / updated / unchanged / skipped / errors", empty_values=(), orderable=False
    )
    status = tables.Column()

    class Meta:
        model = ImportBatch
        fields = ["created_at", "created_by", "file_name", "target", "counts", "status"]
        empty_text = "No imports yet."
        order_by = "-created_at"

    def render_counts(self, record):
        return format_html(
            '<span class="font-monospace">{} / {} / {} / {} / {}</span>',
            record.new_count,
            record.updated_count,
            record.unchanged_count,
            record.skipped_count,
            record.error_count,
        )

    def render_status(self, record):
        css = "text-bg-secondary" if record.status == ImportBatch.Status.UNDONE else "text-bg-success"
        return format_html('<span class="badge {}">{}</span>', css, record.get_status_display())


class JobTable(tables.Table):
    """The user's background imports and exports (spreadsheets.models.SpreadsheetJob)."""

    created_at = DateTimeColumn(verbose_name="Started", format="j M Y H:i", linkify=True)
    kind = tables.Column(verbose_name="Job")
    target = tables.Column(verbose_name="Of")
    file_name = tables.Column(verbose_name="File", default="—")
    status = tables.Column()
    summary = tables.Column(verbose_name="Result", default="—", orderable=False)

    class Meta:
        model = SpreadsheetJob
        fields = ["created_at", "kind", "target", "file_name", "status", "summary"]
        empty_text = "No background jobs yet."
        order_by = "-created_at"

    def render_status(self, record):
        css = {"done": "text-bg-success", "failed": "text-bg-danger", "running": "text-bg-primary"}.get(
            record.status, "text-bg-secondary"
        )
        return format_html('<span class="badge {}">{}</span>', css, record.get_status_display())
