"""Project URLs: the core's own (crm/routes/), then each app's, in its own namespace.

Only this module, the settings and WSGI name the apps above the core.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm.routes import events, followups, records, search
from crm.views import pages

core_patterns = [
    path("", pages.home, name="home"),
    *records.urlpatterns,
    *events.urlpatterns,
    *followups.urlpatterns,
    *search.urlpatterns,
]

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include((core_patterns, "crm"))),
    path("", include("sponsors.urls")),
    path("", include("partners.urls")),
    path("", include("dashboards.urls")),
    path("", include("spreadsheets.urls")),
    path("", include("privacy.urls")),
    path("", include("quicklog.urls")),
    path("", include("invoicing.urls")),
    path("", include("mail.urls")),
    path("", include("api.urls")),
    path("", include("portal.urls")),
    path("", include("renewals.urls")),
    path("", include("duplicates.urls")),
]
