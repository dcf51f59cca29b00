"""Organisations, contacts and search."""
from django.urls import path

from crm.views import organisations, pages

urlpatterns = [
    path("organisations/", organisations.OrganisationListView.as_view(), name="organisation_list"),
    path("organisations/new/", organisations.OrganisationCreateView.as_view(), name="organisation_create"),
    path("organisations/<int:pk>/", organisations.OrganisationDetailView.as_view(), name="organisation_detail"),
    path("organisations/<int:pk>/edit/", organisations.OrganisationUpdateView.as_view(), name="organisation_update"),
    path("contacts/", pages.ContactsPlaceholder.as_view(), name="contact_list"),
    path("contacts/<int:pk>/", pages.ContactsPlaceholder.as_view(), name="contact_detail"),
]
