"""Background jobs: the user's recent jobs, one job's page (progress, then the result), its
JSON progress for the page's script, and the permission-checked download of an export file."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import FileResponse, Http404, JsonResponse
from django.views import View
from django.views.generic import TemplateView
from django_tables2 import SingleTableView

from spreadsheets import exports, selectors, services
from spreadsheets.models import SpreadsheetJob
from spreadsheets.tables import JobTable

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class JobPermissionMixin(PermissionRequiredMixin):
    permission_required = "spreadsheets.view_spreadsheetjob"

    def get_job(self, pk):
        job = selectors.job_for(self.request.user, pk)
        if job is None:
            raise Http404("No such job among yours.")
        return job


class JobListView(JobPermissionMixin, SingleTableView):
    table_class = JobTable
    table_pagination = {"per_page": 25}
    template_name = "spreadsheets/jobs/list.html"

    def get_queryset(self):
        return selectors.recent_jobs(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(threshold=services.background_rows(), **kwargs)


class JobDetailView(JobPermissionMixin, TemplateView):
    template_name = "spreadsheets/jobs/detail.html"

    def get_context_data(self, **kwargs):
        job = self.get_job(kwargs["pk"])
        can_download = job.kind == SpreadsheetJob.Kind.EXPORT and _may_export(self.request.user, job)
        return super().get_context_data(
            job=job,
            progress=services.live_progress(job),
            download_ready=can_download and services.export_file(job) is not None,
            **kwargs,
        )


class JobProgressView(JobPermissionMixin, View):
    """What the progress bar shows, for static/spreadsheets/jobs.js to poll."""

    def get(self, request, pk):
        job = self.get_job(pk)
        data = services.live_progress(job)
        if job.finished:
            data["reload"] = True  # the page shows the result (summary, batch link, download)
        response = JsonResponse(data)
        response["Cache-Control"] = "no-store"
        return response


class JobDownloadView(JobPermissionMixin, View):
    """The export file, to the person who asked for it while they may still export that list."""

    def get(self, request, pk):
        job = self.get_job(pk)
        if job.kind != SpreadsheetJob.Kind.EXPORT or not _may_export(request.user, job):
            raise Http404("No file to download.")
        path = services.export_file(job)
        if path is None:
            raise Http404("This file is not ready or has been cleaned up: export the list again.")
        response = FileResponse(
            open(path, "rb"),  # noqa: SIM115 (FileResponse closes it)
            as_attachment=True,
            filename=job.file_name,
            content_type=CONTENT_TYPES.get(job.file_format, "application/octet-stream"),
        )
        response["Cache-Control"] = "no-store"
        return response


def _may_export(user, job) -> bool:
    try:
        return user.has_perm(exports.get_target(job.target).permission)
    except exports.UnknownTarget:
        return False
