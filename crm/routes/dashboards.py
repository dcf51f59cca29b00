"""Committee dashboards."""
from django.urls import path

from crm.views import pages

urlpatterns = [
    path("dashboard/", pages.DashboardPlaceholder.as_view(), name="dashboard"),
]
