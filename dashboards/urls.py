"""Committee dashboards, their CSV tables, the print view and saved views."""

from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("dashboard/", views.PipelineDashboardView.as_view(), name="dashboard"),
    path("dashboard/in-kind/", views.InKindDashboardView.as_view(), name="dashboard_inkind"),
    path("dashboard/partners/", views.PartnersDashboardView.as_view(), name="dashboard_partners"),
    path("dashboard/activity/", views.ActivityDashboardView.as_view(), name="dashboard_activity"),
    path("dashboard/renewals/", views.RenewalsDashboardView.as_view(), name="dashboard_renewals"),
    path("dashboard/print/", views.DashboardPrintView.as_view(), name="dashboard_print"),
    path("dashboard/<str:board>/<str:table>.csv", views.DashboardCsvView.as_view(), name="dashboard_csv"),
    path("saved-views/new/", views.SavedViewCreateView.as_view(), name="saved_view_create"),
    path("saved-views/<int:pk>/delete/", views.SavedViewDeleteView.as_view(), name="saved_view_delete"),
]
