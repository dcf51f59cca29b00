"""Project URLs. Each area keeps its own patterns (crm/routes/, sponsors/urls.py, partners/urls.py)."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm.routes import dashboards, exports, followups, imports, privacy, quicklog, records
from crm.views import pages

app_patterns = [
    path("", pages.home, name="home"),
    *records.urlpatterns,
    *followups.urlpatterns,
    *quicklog.urlpatterns,
    *imports.urlpatterns,
    *exports.urlpatterns,
    *privacy.urlpatterns,
    *dashboards.urlpatterns,
]

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include((app_patterns, "crm"))),
    path("", include("sponsors.urls")),
    path("", include("partners.urls")),
    path("", include("mail.urls")),
]
