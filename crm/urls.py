"""Project URLs: the core's own (crm/routes/), then each app's, in its own namespace.

Only this module, the settings and WSGI name the apps above the core.
"""

from importlib import import_module

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
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

#: The holes in the login wall (DESIGN.md), all listed here: URL modules whose every view anyone may
#: open without signing in, as (module, namespace). Each view rate-limits itself (crm.ratelimit),
#: answers 404 when its page is switched off, shows nothing private, and is in the permission
#: matrix's ANONYMOUS_ALLOWED. (The calendar feed and the API's own routes carry their own marks.)
PUBLIC_URLCONFS = [
    ("publicpages.public_urls", "public"),  # prospectus, application form, sponsor wall
    ("portal.public_urls", "sponsor_portal"),  # the sponsor portal: a personal token is the credential
]


def public(module_name: str, namespace: str):
    """Include a URL module with every view marked login_not_required."""
    module = import_module(module_name)
    for pattern in module.urlpatterns:
        login_not_required(pattern.callback)
    return path("", include((module.urlpatterns, namespace)))


handler500 = "crm.views.errors.server_error"

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
    path("", include("publicpages.urls")),
    *(public(module, namespace) for module, namespace in PUBLIC_URLCONFS),
]
