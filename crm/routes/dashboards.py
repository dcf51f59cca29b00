"""Committee dashboards, their CSV tables, the print view and saved views."""
from django.urls import path

from crm.views import dashboards

urlpatterns = [
    path("dashboard/", dashboards.PipelineDashboardView.as_view(), name="dashboard"),
    path("dashboard/in-kind/", dashboards.InKindDashboardView.as_view(), name="dashboard_inkind"),
    path("dashboard/partners/", dashboards.PartnersDashboardView.as_view(), name="dashboard_partners"),
    path("dashboard/activity/", dashboards.ActivityDashboardView.as_view(), name="dashboard_activity"),
    path("dashboard/print/", dashboards.DashboardPrintView.as_view(), name="dashboard_print"),
    path("dashboard/<str:board>/<str:table>.csv", dashboards.DashboardCsvView.as_view(), name="dashboard_csv"),
    path("saved-views/new/", dashboards.SavedViewCreateView.as_view(), name="saved_view_create"),
    path("saved-views/<int:pk>/delete/", dashboards.SavedViewDeleteView.as_view(), name="saved_view_delete"),
]
