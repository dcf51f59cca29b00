"""Project URLs. Each app keeps its own patterns under its namespace."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm.views import organisations, pages

app_patterns = [
    path("", pages.home, name="home"),
    path("dashboard/", pages.DashboardPlaceholder.as_view(), name="dashboard"),
    path("organisations/", organisations.OrganisationListView.as_view(), name="organisation_list"),
    path("organisations/new/", organisations.OrganisationCreateView.as_view(), name="organisation_create"),
    path("organisations/<int:pk>/", organisations.OrganisationDetailView.as_view(), name="organisation_detail"),
    path("organisations/<int:pk>/edit/", organisations.OrganisationUpdateView.as_view(), name="organisation_update"),
    path("contacts/", pages.ContactsPlaceholder.as_view(), name="contact_list"),
    path("contacts/<int:pk>/", pages.ContactsPlaceholder.as_view(), name="contact_detail"),
    path("followups/", pages.FollowUpsPlaceholder.as_view(), name="followup_list"),
    path("imports/", pages.ImportsPlaceholder.as_view(), name="import_list"),
    path("imports/<int:pk>/", pages.ImportsPlaceholder.as_view(), name="import_detail"),
]

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include((app_patterns, "crm"))),
    path("", include("sponsors.urls")),
    path("", include("partners.urls")),
]
