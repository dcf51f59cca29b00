"""The organiser's portal pages (signed in, permission-checked)."""

from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("pledges/<int:pk>/portal/invite/", views.invite, name="invite"),
    path("pledges/<int:pk>/portal/revoke/", views.revoke, name="revoke"),
    path("portal/agreements/<int:pk>/void/", views.agreement_void, name="agreement_void"),
    path("portal/agreements/<int:pk>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("portal/logos/<int:pk>/review/", views.logo_review, name="logo_review"),
    path("portal/logos/<int:pk>/file/", views.logo_file, name="logo_file"),
    path("portal/settings/", views.portal_settings, name="settings"),
    path("events/<int:pk>/sponsor-portal/", views.missing, name="missing"),
    path("events/<int:pk>/sponsor-portal/remind/", views.remind, name="remind"),
    path("events/<int:pk>/sponsor-portal/guests.<str:file_format>", views.guest_export, name="guest_export"),
    path("portal/events/<int:pk>/guests/delete/", views.guests_delete, name="guests_delete"),
]
