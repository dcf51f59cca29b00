"""Imports (the wizard: upload → map → preview → commit; history and undo), exports of every list,
and the background jobs that run long imports and exports."""

from django.urls import path

from spreadsheets.views import exports, imports, jobs

app_name = "spreadsheets"
urlpatterns = [
    path("imports/", imports.ImportListView.as_view(), name="import_list"),
    path("imports/upload/", imports.ImportUploadView.as_view(), name="import_upload"),
    path("imports/upload/<slug:token>/map/", imports.ImportMapView.as_view(), name="import_map"),
    path("imports/upload/<slug:token>/preview/", imports.ImportPreviewView.as_view(), name="import_preview"),
    path("imports/upload/<slug:token>/commit/", imports.ImportCommitView.as_view(), name="import_commit"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/undo/", imports.ImportUndoView.as_view(), name="import_undo"),
    path("exports/<str:target>/", exports.export, name="export"),
    path("jobs/", jobs.JobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", jobs.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/progress/", jobs.JobProgressView.as_view(), name="job_progress"),
    path("jobs/<int:pk>/download/", jobs.JobDownloadView.as_view(), name="job_download"),
]
